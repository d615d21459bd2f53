// Boost.Serialization archives for wire messages. Loading is bounded: every collection or string
// size read from the bytes must fit in the bytes that are left, so a forged length prefix is an
// error, never a huge allocation.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include <boost/archive/binary_iarchive_impl.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <boost/archive/detail/register_archive.hpp>
#include <boost/serialization/collection_size_type.hpp>

#include "minimr/serialization_codec.h"

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
  // REQUIRES: `buf` holds exactly the bytes of one encoded message, all in its get area (as
  // serialization_internal::ViewBuffer does), so that in_avail() says how many are left.
  explicit BoundedIArchive(std::streambuf& buf);

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
};

// Appends the encoding of a message that has a Boost.Serialization serialize() member to *out.
template <class T>
void EncodeAppend(const T& message, std::string* out) {
  serialization_internal::AppendBuffer buffer(*out);
  boost::archive::binary_oarchive archive(buffer, serialization_internal::kArchiveFlags);
  archive << message;
}

// The encoding of a message that has a Boost.Serialization serialize() member.
template <class T>
std::string Encode(const T& message) {
  std::string bytes;
  EncodeAppend(message, &bytes);
  return bytes;
}

// Decodes `bytes` into `message`; throws DecodeError if they are malformed or have bytes left over.
template <class T>
void Decode(std::string_view bytes, T& message) {
  serialization_internal::ViewBuffer in(bytes);
  try {
    BoundedIArchive archive(in);
    archive >> message;
  } catch (const DecodeError&) {
    throw;
  } catch (const std::exception& e) {
    throw DecodeError(std::string("malformed message: ") + e.what());
  }
  if (!in.at_end()) {
    throw DecodeError("malformed message: trailing bytes");
  }
}

}  // namespace minimr::wire

BOOST_SERIALIZATION_REGISTER_ARCHIVE(minimr::wire::BoundedIArchive)
BOOST_SERIALIZATION_USE_ARRAY_OPTIMIZATION(minimr::wire::BoundedIArchive)
