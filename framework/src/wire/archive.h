// Boost.Serialization archives for wire messages. Loading is bounded: every collection or string
// size read from the bytes must fit in the bytes that are left, so a forged length prefix is an
// error, never a huge allocation.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

#include <boost/archive/binary_iarchive_impl.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <boost/archive/detail/register_archive.hpp>
#include <boost/serialization/collection_size_type.hpp>

namespace minimr::wire {

// Thrown for bytes that do not decode as the message expected.
class DecodeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class BoundedIArchive
    : public boost::archive::binary_iarchive_impl<BoundedIArchive, char, std::char_traits<char>> {
  using Base = boost::archive::binary_iarchive_impl<BoundedIArchive, char, std::char_traits<char>>;
  friend class boost::archive::detail::interface_iarchive<BoundedIArchive>;
  friend class boost::archive::basic_binary_iarchive<BoundedIArchive>;
  friend class boost::archive::load_access;

 public:
  // REQUIRES: `buf` holds exactly the `size` bytes of one encoded message.
  BoundedIArchive(std::streambuf& buf, size_t size);

  using Base::load;
  void load(std::string& s);
  // A bool is one byte, 0 or 1: any other byte is malformed (Boost would load it as a bool that
  // is neither true nor false, which is undefined behaviour).
  void load(bool& b);

 protected:
  template <class T>
  void load_override(T& t) {
    Base::load_override(t);
  }
  void load_override(boost::serialization::collection_size_type& t);

 private:
  size_t Remaining();
  std::streambuf& buf_;
  size_t size_;
};

// Encodes a message that has a Boost.Serialization serialize() member.
template <class T>
std::string Encode(const T& message) {
  std::ostringstream out;
  {
    boost::archive::binary_oarchive archive(out, boost::archive::no_header);
    archive << message;
  }
  return std::move(out).str();
}

// Decodes `bytes` into `message`; throws DecodeError if they are malformed or have bytes left over.
template <class T>
void Decode(std::string_view bytes, T& message) {
  std::istringstream in{std::string(bytes)};
  try {
    BoundedIArchive archive(*in.rdbuf(), bytes.size());
    archive >> message;
  } catch (const DecodeError&) {
    throw;
  } catch (const std::exception& e) {
    throw DecodeError(std::string("malformed message: ") + e.what());
  }
  if (in.rdbuf()->sgetc() != std::char_traits<char>::eof()) {
    throw DecodeError("malformed message: trailing bytes");
  }
}

}  // namespace minimr::wire

BOOST_SERIALIZATION_REGISTER_ARCHIVE(minimr::wire::BoundedIArchive)
BOOST_SERIALIZATION_USE_ARRAY_OPTIMIZATION(minimr::wire::BoundedIArchive)
