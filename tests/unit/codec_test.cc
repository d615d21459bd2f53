// minimr::Codec: round trips, byte order equal to value order, and malformed bytes refused.
#include "minimr/codec.h"

#include <gtest/gtest.h>

#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "minimr/serialization_codec.h"

namespace minimr {
namespace {

template <class T>
std::string Encode(const T& value) {
  std::string out;
  Codec<T>::Encode(value, out);
  return out;
}

// Byte order (as the shuffle sorts: unsigned bytes) of the encodings.
bool BytesLess(const std::string& a, const std::string& b) { return std::string_view(a) < b; }

template <class T>
void ExpectRoundTrip(const T& value) {
  EXPECT_EQ(Codec<T>::Decode(Encode(value)), value);
}

template <class T>
void ExpectIntegerRoundTrips() {
  using L = std::numeric_limits<T>;
  for (T v : {L::min(), T(L::min() + 1), T(0), T(1), T(42), T(L::max() - 1), L::max()}) {
    ExpectRoundTrip(v);
  }
  if constexpr (std::is_signed_v<T>) ExpectRoundTrip(T(-1));
  EXPECT_EQ(Encode(T(7)).size(), sizeof(T));
}

TEST(Codec, IntegersRoundTripIncludingTheirExtremes) {
  ExpectIntegerRoundTrips<int8_t>();
  ExpectIntegerRoundTrips<uint16_t>();
  ExpectIntegerRoundTrips<int32_t>();
  ExpectIntegerRoundTrips<uint32_t>();
  ExpectIntegerRoundTrips<int64_t>();
  ExpectIntegerRoundTrips<uint64_t>();
}

TEST(Codec, IntegersAreBigEndianWithTheSignBitFlipped) {
  EXPECT_EQ(Encode(int32_t{1}), std::string("\x80\x00\x00\x01", 4));
  EXPECT_EQ(Encode(int32_t{-1}), std::string("\x7f\xff\xff\xff", 4));
  EXPECT_EQ(Encode(uint32_t{1}), std::string("\x00\x00\x00\x01", 4));
  EXPECT_EQ(Encode(int64_t{0x0102}), std::string("\x80\0\0\0\0\0\x01\x02", 8));
}

template <class T>
void ExpectOrderPreserved(const std::vector<T>& values) {
  for (const T& a : values) {
    for (const T& b : values) {
      EXPECT_EQ(BytesLess(Encode(a), Encode(b)), a < b)
          << ::testing::PrintToString(a) << " vs " << ::testing::PrintToString(b);
    }
  }
}

template <class T>
std::vector<T> IntegerSamples(uint64_t seed) {
  using L = std::numeric_limits<T>;
  std::vector<T> values = {L::min(), T(L::min() + 1), T(0), T(1), T(255), T(256), L::max()};
  if constexpr (std::is_signed_v<T>) {
    for (T v : {T(-1), T(-2), T(-255), T(-256)}) values.push_back(v);
  }
  std::mt19937_64 random(seed);
  for (int i = 0; i < 40; ++i) values.push_back(static_cast<T>(random()));
  return values;
}

TEST(Codec, IntegersSortNumericallyAsBytesNegativesFirst) {
  ExpectOrderPreserved(IntegerSamples<int8_t>(1));
  ExpectOrderPreserved(IntegerSamples<int32_t>(2));
  ExpectOrderPreserved(IntegerSamples<uint32_t>(3));
  ExpectOrderPreserved(IntegerSamples<int64_t>(4));
  ExpectOrderPreserved(IntegerSamples<uint64_t>(5));
}

template <class T>
bool SameBits(T a, T b) {
  return std::memcmp(&a, &b, sizeof(T)) == 0;
}

template <class T>
std::vector<T> FloatingSamples() {
  using L = std::numeric_limits<T>;
  return {-L::infinity(), L::lowest(),      T(-1e10), T(-1.5), T(-1),
          -L::min(),      -L::denorm_min(), T(-0.0),  T(0.0),  L::denorm_min(),
          L::min(),       T(0.1),           T(1),     T(1.5),  T(3e9),
          L::max(),       L::infinity()};
}

TEST(Codec, DoublesAndFloatsRoundTripBitForBit) {
  for (double v : FloatingSamples<double>()) {
    EXPECT_TRUE(SameBits(Codec<double>::Decode(Encode(v)), v)) << v;
  }
  for (float v : FloatingSamples<float>()) {
    EXPECT_TRUE(SameBits(Codec<float>::Decode(Encode(v)), v)) << v;
  }
  double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_TRUE(SameBits(Codec<double>::Decode(Encode(nan)), nan));
  EXPECT_TRUE(SameBits(Codec<double>::Decode(Encode(-nan)), -nan));
  EXPECT_EQ(Encode(1.0).size(), 8u);
  EXPECT_EQ(Encode(1.0f).size(), 4u);
}

TEST(Codec, DoublesAndFloatsSortNumericallyAsBytes) {
  std::vector<double> doubles = FloatingSamples<double>();
  for (size_t i = 0; i + 1 < doubles.size(); ++i) {
    EXPECT_TRUE(BytesLess(Encode(doubles[i]), Encode(doubles[i + 1])))
        << doubles[i] << " before " << doubles[i + 1];
  }
  std::vector<float> floats = FloatingSamples<float>();
  for (size_t i = 0; i + 1 < floats.size(); ++i) {
    EXPECT_TRUE(BytesLess(Encode(floats[i]), Encode(floats[i + 1])))
        << floats[i] << " before " << floats[i + 1];
  }
  std::mt19937_64 random(6);
  std::normal_distribution<double> normal(0, 1e6);
  std::vector<double> values;
  for (int i = 0; i < 60; ++i) values.push_back(normal(random));
  ExpectOrderPreserved(values);
}

TEST(Codec, NaNsSortOutsideTheNumbersBySign) {
  double nan = std::numeric_limits<double>::quiet_NaN();
  double inf = std::numeric_limits<double>::infinity();
  EXPECT_TRUE(BytesLess(Encode(inf), Encode(std::copysign(nan, 1.0))));
  EXPECT_TRUE(BytesLess(Encode(std::copysign(nan, -1.0)), Encode(-inf)));
}

TEST(Codec, StringsAreTheirBytesAndViewsDoNotCopy) {
  std::string bytes("a\0b\xff", 4);
  EXPECT_EQ(Encode(bytes), bytes);
  EXPECT_EQ(Encode(std::string_view(bytes)), bytes);
  ExpectRoundTrip(bytes);
  ExpectRoundTrip(std::string());
  std::string_view view = Codec<std::string_view>::Decode(bytes);
  EXPECT_EQ(view.data(), bytes.data());
  EXPECT_EQ(view.size(), bytes.size());
}

TEST(Codec, TupleStringsAreEscapedSoShorterFirstElementsSortFirst) {
  using Pair = std::pair<std::string, std::string>;
  EXPECT_TRUE(BytesLess(Encode(Pair("a", "b")), Encode(Pair("ab", ""))));
  EXPECT_TRUE(BytesLess(Encode(Pair("a", "zzz")), Encode(Pair(std::string("a\0", 2), ""))));
  EXPECT_EQ(Encode(Pair(std::string("a\0", 2), "x")), std::string("a\0\xff\0\1x", 6));
}

TEST(Codec, TuplesSortElementByElement) {
  // Every combination of strings with the bytes escaping cares about, and integers of both signs.
  std::vector<std::string> strings = {"",
                                      std::string(1, '\0'),
                                      std::string("\0\0", 2),
                                      std::string("\0\x01", 2),
                                      std::string("\0\xff", 2),
                                      "\x01",
                                      "a",
                                      std::string("a\0", 2),
                                      "ab",
                                      "\xff",
                                      std::string("\xff\0", 2)};
  std::vector<std::tuple<std::string, int32_t, std::string>> values;
  for (const std::string& a : strings) {
    for (int32_t n : {-70000, -1, 0, 5}) {
      for (const std::string& b : {std::string(), std::string("\0", 1), std::string("b")}) {
        values.emplace_back(a, n, b);
      }
    }
  }
  ExpectOrderPreserved(values);
  using Nested = std::tuple<std::pair<std::string, int64_t>, std::string>;
  std::vector<Nested> nested;
  for (const std::string& a : strings) {
    for (const std::string& b : strings) nested.push_back({{a, -3}, b});
  }
  ExpectOrderPreserved(nested);
}

TEST(Codec, TuplesRoundTripWhateverTheirBytes) {
  ExpectRoundTrip(std::tuple<std::string, int32_t, std::string>(std::string("\0\xff\0\1", 4), -7,
                                                                std::string("\0", 1)));
  ExpectRoundTrip(std::pair<double, std::string>(-0.5, ""));
  ExpectRoundTrip(std::tuple<int64_t>(-1));
  ExpectRoundTrip(std::tuple<std::pair<std::string, uint64_t>, std::tuple<std::string, int8_t>>(
      {std::string("x\0y", 3), 9}, {"", -128}));
}

TEST(Codec, ATuplesLastStringViewPointsIntoTheBytes) {
  std::string bytes = Encode(std::tuple<int64_t, std::string>(-3, "tail"));
  auto [n, tail] = Codec<std::tuple<int64_t, std::string_view>>::Decode(bytes);
  EXPECT_EQ(n, -3);
  EXPECT_EQ(tail, "tail");
  EXPECT_EQ(tail.data(), bytes.data() + 8);
}

TEST(Codec, TuplesEncodeFromViewsAndPairsAlike) {
  using Key = std::tuple<std::string, int64_t>;
  std::string from_owned = Encode(Key("word", 3));
  std::string from_views;
  Codec<Key>::Encode(std::tuple<std::string_view, int>("word", 3), from_views);
  EXPECT_EQ(from_views, from_owned);
  EXPECT_EQ(Encode(std::pair<std::string, int64_t>("word", 3)), from_owned);
}

// What() of the CodecError that decoding `bytes` as T throws; "" if it does not throw.
template <class T>
std::string DecodeError(std::string_view bytes) {
  try {
    Codec<T>::Decode(bytes);
  } catch (const CodecError& e) {
    return e.what();
  }
  return "";
}

TEST(Codec, MalformedBytesAreRefusedNamingTheTypeAndBytes) {
  EXPECT_EQ(DecodeError<int64_t>("abc"),
            "cannot decode int64 from 3 bytes (61 62 63): expected 8 bytes");
  EXPECT_NE(DecodeError<uint32_t>("").find("uint32 from 0 bytes"), std::string::npos);
  EXPECT_NE(DecodeError<double>(std::string(9, 'x')).find("double from 9 bytes"),
            std::string::npos);
  using T = std::tuple<std::string, int32_t>;
  std::string no_terminator = DecodeError<T>("ab");
  EXPECT_NE(no_terminator.find("tuple<string, int32>"), std::string::npos) << no_terminator;
  EXPECT_NE(no_terminator.find("no terminator"), std::string::npos) << no_terminator;
  EXPECT_NE(DecodeError<T>(std::string("a\0\x02\0\0\0\0", 7)).find("neither 01 nor ff"),
            std::string::npos);
  EXPECT_NE(DecodeError<T>(std::string("a\0\x01\0\0\0\0\0", 8)).find("expected 4 bytes"),
            std::string::npos);
  EXPECT_NE(DecodeError<T>(std::string("a\0\x01\0\0", 5)).find("expected 4 bytes"),
            std::string::npos);
  using Ints = std::tuple<int32_t, int32_t>;
  EXPECT_NE(DecodeError<Ints>(std::string(7, '\0')).find("int32"), std::string::npos);
  EXPECT_EQ(DecodeError<T>(Encode(T("ok", 1))), "");
}

}  // namespace
}  // namespace minimr

// A type of a job author's own, in its own namespace, encoded with Boost.Serialization.
namespace weather {

struct Station {
  std::string name;
  int32_t elevation = 0;
  std::vector<double> readings;

  bool operator==(const Station&) const = default;
  template <class Archive>
  void serialize(Archive& archive, unsigned) {
    archive& name& elevation& readings;
  }
};
MINIMR_SERIALIZED_CODEC(Station)

}  // namespace weather

namespace minimr {
namespace {

TEST(Codec, SerializedTypesRoundTripAndEqualValuesEncodeEqually) {
  weather::Station a{"Zugspitze", 2962, {-3.5, 1}};
  weather::Station b{"Zugspitze", 2962, {-3.5, 1}};
  weather::Station c{"Zugspitze", 2963, {-3.5, 1}};
  EXPECT_EQ(Codec<weather::Station>::Decode(Encode(a)), a);
  EXPECT_EQ(Encode(a), Encode(b));
  EXPECT_NE(Encode(a), Encode(c));
  using Keyed = std::tuple<weather::Station, int64_t, weather::Station>;
  ExpectRoundTrip(Keyed(a, -1, c));
}

TEST(Codec, MalformedSerializedBytesAreRefusedNamingTheType) {
  std::string bytes = Encode(weather::Station{"Brocken", 1141, {}});
  std::string truncated = DecodeError<weather::Station>(bytes.substr(0, bytes.size() - 3));
  EXPECT_NE(truncated.find("weather::Station"), std::string::npos) << truncated;
  std::string extra = DecodeError<weather::Station>(bytes + "x");
  EXPECT_NE(extra.find("left over"), std::string::npos) << extra;
}

}  // namespace
}  // namespace minimr
