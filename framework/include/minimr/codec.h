// Typed keys and values as bytes: Codec<T>::Encode turns a value into the byte string the
// framework partitions, sorts, groups and ships, and Codec<T>::Decode turns it back.
//
// Byte order is value order for every type below, so keys of these types reach reducers sorted
// by value (numerically for numbers):
//   - integers (int8_t ... int64_t, uint8_t ... uint64_t): fixed width, big-endian, the sign bit
//     of signed types flipped, so that -1 < 0 < 1 as bytes too.
//   - double and float: the IEEE bits, fixed width, the sign bit flipped for positive numbers and
//     every bit for negative ones: -inf < -1 < -0.0 < +0.0 < 1 < +inf. -0.0 and +0.0 are two keys.
//     NaNs sort outside the numbers: those with the sign bit set before -inf, the others after
//     +inf. Decoding returns exactly the bits encoded.
//   - std::string and std::string_view: the bytes themselves. Decoding to std::string_view does
//     not copy: the view points into the bytes it was decoded from.
//   - std::pair and std::tuple of supported types: compared element by element. An element that
//     is not fixed width and is not the last is escaped (0x00 -> 0x00 0xFF) and ends with
//     0x00 0x01, so ("a", "b") < ("ab", ""); the last element is written as it is. Decoding an
//     escaped element makes a copy, so a std::string_view may only be a tuple's last element.
//
// A type of your own: specialize Codec<T> with the two static functions below (and, if every
// encoding has the same size, `static constexpr size_t kFixedSize`), or opt in to
// Boost.Serialization with minimr/serialization_codec.h.
//
//   static void Encode(const T& value, std::string& out);  // appends the encoding to `out`
//   static T Decode(std::string_view bytes);               // throws CodecError if malformed
//
// Encoding appends to a caller's buffer and decoding numbers, string_views and tuples of them
// allocates nothing.
#pragma once

#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

namespace minimr {

// Thrown by Decode for bytes that are not an encoding of the type; what() names the type and
// shows the first bytes.
class CodecError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

template <class T>
struct Codec;

// Defined in minimr/serialization_codec.h.
template <class T>
struct SerializedCodec;

// T has a Codec.
template <class T>
concept HasCodec = requires(std::string_view bytes) {
  { Codec<T>::Decode(bytes) } -> std::same_as<T>;
};

// A value of type A can be encoded as a T (an int as an int64_t, a std::string_view as a
// std::string, a std::tuple<std::string_view, int> as a std::pair<std::string, int64_t>).
template <class T, class A>
concept EncodableAs = requires(const A& value, std::string& out) { Codec<T>::Encode(value, out); };

namespace codec_internal {

template <class T>
concept Integer = std::integral<T> && !std::same_as<T, bool> && !std::same_as<T, char> &&
                  !std::same_as<T, wchar_t> && !std::same_as<T, char8_t> &&
                  !std::same_as<T, char16_t> && !std::same_as<T, char32_t>;

template <class T>
concept Floating = std::same_as<T, double> || std::same_as<T, float>;

template <class T>
concept TupleLike = requires { std::tuple_size<T>::value; };

// Every encoding of T has the same size.
template <class T>
inline constexpr bool kFixed = requires { Codec<T>::kFixedSize; };

// T's encoding is the bytes of std::string_view(value).
template <class T>
inline constexpr bool kBytes = std::same_as<T, std::string> || std::same_as<T, std::string_view>;

// Decoding T may return a view into the bytes decoded.
template <class T>
struct DecodesToView : std::bool_constant<std::same_as<T, std::string_view>> {};
template <class... Ts>
struct DecodesToView<std::tuple<Ts...>> : std::bool_constant<(DecodesToView<Ts>::value || ...)> {};
template <class A, class B>
struct DecodesToView<std::pair<A, B>>
    : std::bool_constant<DecodesToView<A>::value || DecodesToView<B>::value> {};

template <class T>
std::string TypeName() {
  if constexpr (requires { Codec<T>::Name(); }) {
    return Codec<T>::Name();
  } else {
    return "a user type";
  }
}

// "3 bytes (61 00 ff)": the size and the first 16 bytes in hex, for messages.
inline std::string Describe(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text = std::to_string(bytes.size()) + (bytes.size() == 1 ? " byte" : " bytes");
  if (bytes.empty()) return text;
  text += " (";
  for (size_t i = 0; i < bytes.size() && i < 16; ++i) {
    auto c = static_cast<unsigned char>(bytes[i]);
    if (i > 0) text += ' ';
    text += kHex[c >> 4];
    text += kHex[c & 15];
  }
  return text + (bytes.size() > 16 ? " ...)" : ")");
}

[[noreturn]] inline void Fail(const std::string& type, std::string_view bytes,
                              const std::string& why) {
  throw CodecError("cannot decode " + type + " from " + Describe(bytes) + ": " + why);
}

template <class U>
void AppendBigEndian(U bits, std::string& out) {
  char bytes[sizeof(U)];
  for (size_t i = 0; i < sizeof(U); ++i) {
    bytes[i] = static_cast<char>(bits >> (8 * (sizeof(U) - 1 - i)));
  }
  out.append(bytes, sizeof(U));
}

template <class U>
U ReadBigEndian(const char* bytes) {
  U bits = 0;
  for (size_t i = 0; i < sizeof(U); ++i) {
    bits = static_cast<U>((bits << 8) | static_cast<unsigned char>(bytes[i]));
  }
  return bits;
}

template <class T>
void CheckSize(std::string_view bytes) {
  if (bytes.size() != sizeof(T)) {
    Fail(TypeName<T>(), bytes, "expected " + std::to_string(sizeof(T)) + " bytes");
  }
}

// Appends `bytes` with every 0x00 written as 0x00 0xFF, then the terminator 0x00 0x01.
inline void AppendEscaped(std::string_view bytes, std::string& out) {
  for (;;) {
    const void* zero = std::memchr(bytes.data(), 0, bytes.size());
    if (zero == nullptr) break;
    size_t n = static_cast<const char*>(zero) - bytes.data() + 1;
    out.append(bytes.data(), n);
    out.push_back('\xff');
    bytes.remove_prefix(n);
  }
  out.append(bytes);
  out.append("\0\1", 2);
}

// Reads an escaped element from the front of *rest into *out (unescaped) and moves *rest past
// its terminator. Returns nullptr, or why the bytes are malformed.
inline const char* ReadEscaped(std::string_view* rest, std::string* out) {
  out->clear();
  std::string_view bytes = *rest;
  for (;;) {
    const void* zero = std::memchr(bytes.data(), 0, bytes.size());
    if (zero == nullptr) return "an escaped element has no terminator (00 01)";
    size_t n = static_cast<const char*>(zero) - bytes.data();
    if (n + 1 == bytes.size()) return "an escaped element ends after a 00";
    char next = bytes[n + 1];
    if (next == '\x01') {
      out->append(bytes.data(), n);
      *rest = bytes.substr(n + 2);
      return nullptr;
    }
    if (next != '\xff') return "an escaped element has 00 followed by neither 01 nor ff";
    out->append(bytes.data(), n + 1);
    bytes.remove_prefix(n + 2);
  }
}

// Encoding and decoding one element of a tuple: raw if it is the last or fixed width, escaped
// otherwise.
template <class T, bool kLast, class A>
void EncodeElement(const A& value, std::string& out) {
  if constexpr (kLast || kFixed<T>) {
    Codec<T>::Encode(value, out);
  } else if constexpr (kBytes<T>) {
    AppendEscaped(std::string_view(value), out);
  } else {
    std::string encoded;
    Codec<T>::Encode(value, encoded);
    AppendEscaped(encoded, out);
  }
}

template <class T, bool kLast>
T DecodeElement(std::string_view* rest) {
  if constexpr (kLast) {
    std::string_view bytes = *rest;
    *rest = {};
    return Codec<T>::Decode(bytes);
  } else if constexpr (kFixed<T>) {
    constexpr size_t n = Codec<T>::kFixedSize;
    if (rest->size() < n) {
      Fail(TypeName<T>(), *rest, "expected " + std::to_string(n) + " bytes");
    }
    T value = Codec<T>::Decode(rest->substr(0, n));
    rest->remove_prefix(n);
    return value;
  } else {
    static_assert(!DecodesToView<T>::value,
                  "minimr::Codec: a std::string_view can only be the last element of a tuple "
                  "key or value (earlier elements are escaped, so decoding them copies); use "
                  "std::string for this element");
    std::string_view before = *rest;
    std::string bytes;
    if (const char* why = ReadEscaped(rest, &bytes)) Fail(TypeName<T>(), before, why);
    if constexpr (std::same_as<T, std::string>) {
      return bytes;
    } else {
      return Codec<T>::Decode(bytes);
    }
  }
}

template <class A, class... Ts, size_t... I>
constexpr bool ElementsEncodable(std::index_sequence<I...>) {
  return (EncodableAs<Ts, std::remove_cvref_t<std::tuple_element_t<I, A>>> && ...);
}

// A tuple-like A (tuple, pair, array) whose elements encode as Ts.
template <class A, class... Ts>
concept EncodableAsElements =
    TupleLike<A> && std::tuple_size_v<A> == sizeof...(Ts) &&
    ElementsEncodable<A, Ts...>(std::index_sequence_for<Ts...>{});

// The codec of std::tuple<Ts...> and std::pair<Ts...>.
template <class Tuple, class... Ts>
struct TupleCodec {
  static_assert(sizeof...(Ts) > 0, "minimr::Codec: an empty tuple has no encoding");
  static_assert((HasCodec<Ts> && ...),
                "minimr::Codec: every element of a tuple key or value needs a Codec");

  template <class A>
    requires EncodableAsElements<A, Ts...>
  static void Encode(const A& value, std::string& out) {
    [&]<size_t... I>(std::index_sequence<I...>) {
      (EncodeElement<Ts, I + 1 == sizeof...(Ts)>(std::get<I>(value), out), ...);
    }(std::index_sequence_for<Ts...>{});
  }

  static Tuple Decode(std::string_view bytes) {
    std::string_view rest = bytes;
    try {
      // Braces: the elements are decoded left to right.
      return [&]<size_t... I>(std::index_sequence<I...>) {
        return Tuple{DecodeElement<Ts, I + 1 == sizeof...(Ts)>(&rest)...};
      }(std::index_sequence_for<Ts...>{});
    } catch (const CodecError& e) {
      throw CodecError("cannot decode " + Name() + " from " + Describe(bytes) + ": " + e.what());
    }
  }

  static std::string Name() {
    std::string name = std::same_as<Tuple, std::tuple<Ts...>> ? "tuple<" : "pair<";
    ((name += TypeName<Ts>() + ", "), ...);
    name.resize(name.size() - 2);
    return name + ">";
  }
};

}  // namespace codec_internal

template <codec_internal::Integer T>
struct Codec<T> {
  static constexpr size_t kFixedSize = sizeof(T);

  static void Encode(T value, std::string& out) {
    using U = std::make_unsigned_t<T>;
    auto bits = static_cast<U>(value);
    if constexpr (std::is_signed_v<T>) bits ^= static_cast<U>(U{1} << (8 * sizeof(T) - 1));
    codec_internal::AppendBigEndian(bits, out);
  }
  // Refused rather than truncated.
  template <std::floating_point F>
  static void Encode(F value, std::string& out) = delete;

  static T Decode(std::string_view bytes) {
    using U = std::make_unsigned_t<T>;
    codec_internal::CheckSize<T>(bytes);
    auto bits = codec_internal::ReadBigEndian<U>(bytes.data());
    if constexpr (std::is_signed_v<T>) bits ^= static_cast<U>(U{1} << (8 * sizeof(T) - 1));
    return static_cast<T>(bits);
  }

  static std::string Name() {
    return (std::is_signed_v<T> ? "int" : "uint") + std::to_string(8 * sizeof(T));
  }
};

template <codec_internal::Floating T>
struct Codec<T> {
  static constexpr size_t kFixedSize = sizeof(T);
  using Bits = std::conditional_t<sizeof(T) == 8, uint64_t, uint32_t>;
  static constexpr Bits kSign = Bits{1} << (8 * sizeof(T) - 1);

  static void Encode(T value, std::string& out) {
    auto bits = std::bit_cast<Bits>(value);
    bits = (bits & kSign) ? static_cast<Bits>(~bits) : (bits | kSign);
    codec_internal::AppendBigEndian(bits, out);
  }

  static T Decode(std::string_view bytes) {
    codec_internal::CheckSize<T>(bytes);
    auto bits = codec_internal::ReadBigEndian<Bits>(bytes.data());
    bits = (bits & kSign) ? (bits & ~kSign) : static_cast<Bits>(~bits);
    return std::bit_cast<T>(bits);
  }

  static std::string Name() { return sizeof(T) == 8 ? "double" : "float"; }
};

template <>
struct Codec<std::string> {
  static void Encode(std::string_view value, std::string& out) { out.append(value); }
  static std::string Decode(std::string_view bytes) { return std::string(bytes); }
  static std::string Name() { return "string"; }
};

// The same bytes as std::string. REQUIRES for a decoded view: the bytes outlive it.
template <>
struct Codec<std::string_view> {
  static void Encode(std::string_view value, std::string& out) { out.append(value); }
  static std::string_view Decode(std::string_view bytes) { return bytes; }
  static std::string Name() { return "string"; }
};

template <class... Ts>
struct Codec<std::tuple<Ts...>> : codec_internal::TupleCodec<std::tuple<Ts...>, Ts...> {};

template <class A, class B>
struct Codec<std::pair<A, B>> : codec_internal::TupleCodec<std::pair<A, B>, A, B> {};

namespace codec_internal {

// A type opts in to Boost.Serialization with MINIMR_SERIALIZED_CODEC (serialization_codec.h),
// which declares this function next to it, where argument-dependent lookup finds it.
template <class T>
concept OptsIntoSerialization = requires(const T* value) {
  { MinimrSerializedCodec(value) } -> std::same_as<bool>;
};

}  // namespace codec_internal

template <class T>
  requires codec_internal::OptsIntoSerialization<T>
struct Codec<T> : SerializedCodec<T> {};

}  // namespace minimr
