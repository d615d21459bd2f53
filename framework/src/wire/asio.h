// The one way this project includes Boost.Asio. Boost 1.74's asio/awaitable.hpp uses
// std::exchange without including <utility>, which g++ 12 in C++20 mode refuses.
#pragma once

#include <utility>

#include <boost/asio.hpp>
