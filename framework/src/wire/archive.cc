#include "framework/src/wire/archive.h"

#include <boost/archive/impl/archive_serializer_map.ipp>
#include <boost/archive/impl/basic_binary_iarchive.ipp>
#include <boost/archive/impl/basic_binary_iprimitive.ipp>

namespace minimr::wire {

BoundedIArchive::BoundedIArchive(std::streambuf& buf)
    : Base(buf, serialization_internal::kArchiveFlags), buf_(buf) {
  init(serialization_internal::kArchiveFlags);
}

size_t BoundedIArchive::Remaining() {
  std::streamsize left = buf_.in_avail();
  return left > 0 ? static_cast<size_t>(left) : 0;
}

void BoundedIArchive::load(std::string& s) {
  std::size_t length = 0;
  Base::load(length);
  if (length > Remaining()) {
    throw DecodeError("malformed message: a string of " + std::to_string(length) +
                      " bytes in a message with " + std::to_string(Remaining()) + " left");
  }
  s.resize(length);
  if (length > 0) load_binary(s.data(), length);
}

void BoundedIArchive::load(bool& b) {
  unsigned char byte = 0;
  load_binary(&byte, 1);
  if (byte > 1) {
    throw DecodeError("malformed message: a bool of value " + std::to_string(byte));
  }
  b = byte == 1;
}

void BoundedIArchive::load_override(boost::serialization::collection_size_type& t) {
  Base::load_override(t);
  // Every element takes at least one byte, so a collection cannot hold more than what is left.
  if (static_cast<size_t>(t) > Remaining()) {
    throw DecodeError("malformed message: a collection of " + std::to_string(size_t(t)) +
                      " elements in a message with " + std::to_string(Remaining()) + " bytes left");
  }
}

}  // namespace minimr::wire

template class boost::archive::basic_binary_iprimitive<minimr::wire::BoundedIArchive, char,
                                                       std::char_traits<char>>;
template class boost::archive::basic_binary_iarchive<minimr::wire::BoundedIArchive>;
template class boost::archive::binary_iarchive_impl<minimr::wire::BoundedIArchive, char,
                                                    std::char_traits<char>>;
template class boost::archive::detail::archive_serializer_map<minimr::wire::BoundedIArchive>;
