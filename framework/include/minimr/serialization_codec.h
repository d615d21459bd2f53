// Keys and values of a type of your own, encoded with Boost.Serialization (a binary archive).
//
//   struct Point {
//     int x = 0, y = 0;
//     template <class Archive>
//     void serialize(Archive& archive, unsigned) { archive & x & y; }
//   };
//   MINIMR_SERIALIZED_CODEC(Point)  // in Point's namespace, after its definition
//
// Then Point works wherever a Codec is needed: TypedMapper<..., Point, ...>, tuples, Decode.
// Such keys group correctly (equal values encode to equal bytes) but their byte order means
// nothing, so reducers see them in no useful order; and equal values must serialize equally
// (no pointers, no unordered containers). T must be default-constructible. A job that uses this
// links Boost::serialization. Separate from codec.h so that jobs without such types never
// include Boost.
#pragma once

#include <boost/archive/binary_iarchive.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <boost/core/demangle.hpp>
#include <exception>
#include <streambuf>
#include <string>
#include <string_view>
#include <typeinfo>

#include "minimr/codec.h"

// Declares that `Type` is encoded with Boost.Serialization. Use it in the namespace of `Type`.
#define MINIMR_SERIALIZED_CODEC(Type) \
  [[maybe_unused]] constexpr bool MinimrSerializedCodec(const Type*) { return true; }

namespace minimr {
namespace serialization_internal {

constexpr unsigned kArchiveFlags = boost::archive::no_header | boost::archive::no_codecvt;

// A stream buffer that appends what is written to a std::string.
class AppendBuffer : public std::streambuf {
 public:
  explicit AppendBuffer(std::string& out) : out_(out) {}

 protected:
  std::streamsize xsputn(const char* bytes, std::streamsize n) override {
    out_.append(bytes, static_cast<size_t>(n));
    return n;
  }
  int_type overflow(int_type c) override {
    if (!traits_type::eq_int_type(c, traits_type::eof()))
      out_.push_back(traits_type::to_char_type(c));
    return traits_type::not_eof(c);
  }

 private:
  std::string& out_;
};

// A stream buffer that reads the bytes of a string_view.
class ViewBuffer : public std::streambuf {
 public:
  explicit ViewBuffer(std::string_view bytes) {
    char* begin = const_cast<char*>(bytes.data());  // never written through: no put area
    setg(begin, begin, begin + bytes.size());
  }
  bool at_end() const { return gptr() == egptr(); }
};

}  // namespace serialization_internal

template <class T>
struct SerializedCodec {
  static void Encode(const T& value, std::string& out) {
    serialization_internal::AppendBuffer buffer(out);
    boost::archive::binary_oarchive archive(buffer, serialization_internal::kArchiveFlags);
    archive << value;
  }

  static T Decode(std::string_view bytes) {
    serialization_internal::ViewBuffer buffer(bytes);
    T value{};
    try {
      boost::archive::binary_iarchive archive(buffer, serialization_internal::kArchiveFlags);
      archive >> value;
    } catch (const std::exception& e) {
      codec_internal::Fail(Name(), bytes, e.what());
    }
    if (!buffer.at_end()) codec_internal::Fail(Name(), bytes, "bytes left over after the value");
    return value;
  }

  static std::string Name() { return boost::core::demangle(typeid(T).name()); }
};

}  // namespace minimr
