// Typed mappers, combiners and reducers over the byte-string API: the framework decodes what
// they receive and encodes what they emit, with minimr::Codec (minimr/codec.h).
//
//   using Line = minimr::Fields<std::string_view, int64_t>;  // "KEY VALUE", parsed for you
//   class M : public minimr::TypedMapper<Line, std::string_view, int64_t> {
//     void Map(const Line& line, Out& out) override { out.Emit(std::get<0>(line), 1); }
//   };
//   class R : public minimr::TypedReducer<std::string_view, int64_t> {
//     void Reduce(const std::string_view& key, Values& values, Out& out) override {
//       int64_t sum = 0;
//       for (int64_t v : values) sum += v;
//       out.Emit(key, sum);
//     }
//   };
//
// - A TypedMapper's input is a record of the job's InputFormat: with Input = std::string_view
//   (or std::string) the value, the line itself; with Input = Fields<Ts...> the line cut into
//   fields (runs of whitespace separate them, or a delimiter the mapper chooses) and each field
//   read with std::from_chars (integers in decimal, floating point in any form from_chars
//   takes) or as text (std::string_view, std::string). Lines of whitespace only are skipped and
//   counted as "map.input.blank_lines"; any other line that does not give exactly the fields
//   asked for fails the task with an error naming the input file, the line's byte offset (the
//   key LineInputFormat gives) and the field.
// - Map output (TypedMapper, TypedCombiner) is binary: Codec encodings. Pair typed mappers with
//   typed combiners and reducers whose K and V decode what they emit (std::string_view decodes
//   what std::string encodes, and the reverse).
// - A TypedReducer's output is the job's output and is text: the runtime writes each pair as
//   "key<TAB>value" in the part files. Integers are written in decimal, floating point numbers
//   in the shortest form that reads back to the same value (std::to_chars: "0.1", "1e+100",
//   "inf", "nan"), strings as they are, and the elements of a pair or tuple separated by one
//   space: "word<TAB>3 0.5 1 2". (The part-file writer escapes a TAB or newline inside a key or
//   value; see docs/output-format.md.)
//   Other types are written with their operator<<, or specialize TextFormat<T>.
// - Emitting encodes into buffers the emitter keeps, and decoding numbers and string_views
//   allocates nothing: a job's own code decides whether anything is allocated per record.
#pragma once

#include <charconv>
#include <concepts>
#include <iterator>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <type_traits>
#include <utility>

#include "minimr/codec.h"
#include "minimr/job.h"
#include "minimr/task_context.h"

namespace minimr {

// The input record of a TypedMapper as fields of a line; a std::tuple.
template <class... Ts>
using Fields = std::tuple<Ts...>;

// How a reduce output value of type T is written as text (see the top of this file). A type of
// your own may specialize it: static void Append(const T& value, std::string& out).
template <class T>
struct TextFormat {
  static_assert(requires(std::ostream& stream, const T& value) { stream << value; },
                "minimr::TextFormat<T>: a TypedReducer's output type needs an "
                "operator<<(std::ostream&, const T&) or a specialization of minimr::TextFormat");
  static void Append(const T& value, std::string& out) {
    std::ostringstream text;
    text << value;
    out += text.str();
  }
};

template <codec_internal::Integer T>
struct TextFormat<T> {
  static void Append(T value, std::string& out) {
    char text[24];
    auto result = std::to_chars(text, text + sizeof text, value);
    out.append(text, result.ptr);
  }
  template <std::floating_point F>
  static void Append(F value, std::string& out) = delete;
};

template <codec_internal::Floating T>
struct TextFormat<T> {
  static void Append(T value, std::string& out) {
    char text[32];
    auto result = std::to_chars(text, text + sizeof text, value);
    out.append(text, result.ptr);
  }
};

template <>
struct TextFormat<std::string> {
  static void Append(std::string_view value, std::string& out) { out.append(value); }
};

template <>
struct TextFormat<std::string_view> {
  static void Append(std::string_view value, std::string& out) { out.append(value); }
};

// A value of type A can be written as a T.
template <class T, class A>
concept FormattableAs =
    requires(const A& value, std::string& out) { TextFormat<T>::Append(value, out); };

namespace typed_internal {

template <class A, class... Ts, size_t... I>
constexpr bool ElementsFormattable(std::index_sequence<I...>) {
  return (FormattableAs<Ts, std::remove_cvref_t<std::tuple_element_t<I, A>>> && ...);
}

template <class A, class... Ts>
concept FormattableAsElements =
    codec_internal::TupleLike<A> && std::tuple_size_v<A> == sizeof...(Ts) &&
    ElementsFormattable<A, Ts...>(std::index_sequence_for<Ts...>{});

template <class... Ts>
struct TupleFormat {
  template <class A>
    requires FormattableAsElements<A, Ts...>
  static void Append(const A& value, std::string& out) {
    [&]<size_t... I>(std::index_sequence<I...>) {
      ((I == 0 ? void() : out.push_back(' '), TextFormat<Ts>::Append(std::get<I>(value), out)),
       ...);
    }(std::index_sequence_for<Ts...>{});
  }
};

}  // namespace typed_internal

template <class... Ts>
struct TextFormat<std::tuple<Ts...>> : typed_internal::TupleFormat<Ts...> {};

template <class A, class B>
struct TextFormat<std::pair<A, B>> : typed_internal::TupleFormat<A, B> {};

namespace typed_internal {

// `bytes` for a message: printable ASCII as it is, other bytes as \xNN, at most 80 of them.
inline std::string Printable(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text = "'";
  for (size_t i = 0; i < bytes.size() && i < 80; ++i) {
    auto c = static_cast<unsigned char>(bytes[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != '\'') {
      text += static_cast<char>(c);
    } else {
      text += "\\x";
      text += kHex[c >> 4];
      text += kHex[c & 15];
    }
  }
  return text + (bytes.size() > 80 ? "'..." : "'");
}

// Decodes a key (is_key) or a value of `key` for a combiner or reducer (`role`); throws
// std::runtime_error naming the key if the bytes are not a T.
template <class T>
T DecodeOrThrow(std::string_view bytes, const char* role, std::string_view key, bool is_key) {
  try {
    return Codec<T>::Decode(bytes);
  } catch (const CodecError& error) {
    throw std::runtime_error(std::string(role) + (is_key ? ": key " : ": a value of key ") +
                             Printable(key) + ": " + error.what() +
                             " (does the map output's type match the " + role + "'s " +
                             (is_key ? "K" : "V") + "?)");
  }
}

inline bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f' || c == '\n';
}

// The fields of a line: separated by runs of whitespace (delimiter 0, leading and trailing
// whitespace ignored) or by each `delimiter`.
class FieldSplitter {
 public:
  FieldSplitter(std::string_view line, char delimiter) : rest_(line), delimiter_(delimiter) {}

  bool Next(std::string_view* field) {
    if (delimiter_ == 0) {
      size_t i = 0;
      while (i < rest_.size() && IsSpace(rest_[i])) ++i;
      if (i == rest_.size()) return false;
      size_t j = i;
      while (j < rest_.size() && !IsSpace(rest_[j])) ++j;
      *field = rest_.substr(i, j - i);
      rest_.remove_prefix(j);
      return true;
    }
    if (done_) return false;
    size_t end = rest_.find(delimiter_);
    *field = rest_.substr(0, end);
    if (end == std::string_view::npos) {
      done_ = true;
    } else {
      rest_.remove_prefix(end + 1);
    }
    return true;
  }

 private:
  std::string_view rest_;
  char delimiter_;
  bool done_ = false;
};

// Reads one field into *value; returns nullptr or what is wrong with it.
template <class T>
const char* ParseField(std::string_view text, T* value) {
  if constexpr (std::same_as<T, std::string_view>) {
    *value = text;
    return nullptr;
  } else if constexpr (std::same_as<T, std::string>) {
    value->assign(text);
    return nullptr;
  } else if constexpr (codec_internal::Integer<T> || codec_internal::Floating<T>) {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *value);
    const bool whole = end == text.data() + text.size();  // (a number too large, then "x": not one)
    if (ec == std::errc::result_out_of_range && whole) return "out of range";
    if (ec != std::errc() || !whole) {
      return codec_internal::Integer<T> ? "not a decimal integer" : "not a number";
    }
    return nullptr;
  } else {
    static_assert(sizeof(T) == 0,
                  "minimr::Fields: a field is an integer, float, double, std::string_view or "
                  "std::string");
  }
}

template <class... Ts>
std::string FieldTypes() {
  std::string names;
  ((names += (names.empty() ? "" : ", ") + codec_internal::TypeName<Ts>()), ...);
  return names;
}

// "data/x.txt, byte offset 120" (or the record's key when there is no input file).
inline std::string Where(const TaskContext& context, std::string_view key) {
  if (context.input_file().empty()) return "input record with key " + Printable(key);
  return context.input_file() + ", byte offset " + std::string(key);
}

// Parses `line` into *fields. Returns false for a blank line; throws std::runtime_error naming
// the input file, the byte offset and the field for one that does not parse.
template <class... Ts>
bool ParseFields(const TaskContext& context, std::string_view key, std::string_view line,
                 char delimiter, std::tuple<Ts...>* fields) {
  size_t first = 0;
  while (first < line.size() && IsSpace(line[first])) ++first;
  if (first == line.size()) return false;
  constexpr size_t kCount = sizeof...(Ts);
  auto count_error = [&] {
    FieldSplitter all(line, delimiter);
    size_t found = 0;
    for (std::string_view field; all.Next(&field);) ++found;
    throw std::runtime_error(Where(context, key) + ": " + std::to_string(found) +
                             (found == 1 ? " field" : " fields") + ", expected " +
                             std::to_string(kCount) + " (" + FieldTypes<Ts...>() +
                             "); the line: " + Printable(line));
  };
  FieldSplitter splitter(line, delimiter);
  [&]<size_t... I>(std::index_sequence<I...>) {
    (
        [&] {
          std::string_view field;
          if (!splitter.Next(&field)) count_error();
          auto* value = &std::get<I>(*fields);
          if (const char* why = ParseField(field, value)) {
            using T = std::remove_pointer_t<decltype(value)>;
            throw std::runtime_error(Where(context, key) + ": field " + std::to_string(I + 1) +
                                     " of " + std::to_string(kCount) + " (" +
                                     codec_internal::TypeName<T>() + "): " + Printable(field) +
                                     " is " + why + "; the line: " + Printable(line));
          }
        }(),
        ...);
  }(std::index_sequence_for<Ts...>{});
  std::string_view extra;
  if (splitter.Next(&extra)) count_error();
  return true;
}

template <class T>
inline constexpr bool kIsFields = false;
template <class... Ts>
inline constexpr bool kIsFields<std::tuple<Ts...>> = true;

}  // namespace typed_internal

template <class In, class KOut, class VOut>
class TypedMapper;
template <class K, class V>
class TypedCombiner;
template <class K, class V, class KOut, class VOut>
class TypedReducer;

// Emits typed pairs as map output (Codec encodings). Emit accepts anything that encodes as K
// and V: out.Emit(word, 1) with K = std::string and V = int64_t takes a std::string_view and an
// int without converting them first; out.Emit({a, b}, 1) builds a K from the braces.
template <class K, class V>
class TypedEmitter {
 public:
  static_assert(HasCodec<K> && HasCodec<V>,
                "minimr::TypedEmitter: the key and value types need a minimr::Codec (integers, "
                "float, double, std::string, std::string_view, pairs and tuples of them, or see "
                "minimr/serialization_codec.h)");

  template <class KA = K, class VA = V>
    requires EncodableAs<K, KA> && EncodableAs<V, VA>
  void Emit(const KA& key, const VA& value) {
    key_.clear();
    value_.clear();
    Codec<K>::Encode(key, key_);
    Codec<V>::Encode(value, value_);
    out_->Emit(key_, value_);
  }

 private:
  template <class, class, class>
  friend class TypedMapper;
  template <class, class>
  friend class TypedCombiner;

  Emitter* out_ = nullptr;
  std::string key_;
  std::string value_;
};

// Emits typed pairs as the job's text output (see TextFormat). Emit accepts anything that is
// written as K and V, as TypedEmitter does.
template <class K, class V>
class TextEmitter {
 public:
  template <class KA = K, class VA = V>
    requires FormattableAs<K, KA> && FormattableAs<V, VA>
  void Emit(const KA& key, const VA& value) {
    key_.clear();
    value_.clear();
    TextFormat<K>::Append(key, key_);
    TextFormat<V>::Append(value, value_);
    out_->Emit(key_, value_);
  }

 private:
  template <class, class, class, class>
  friend class TypedReducer;

  Emitter* out_ = nullptr;
  std::string key_;
  std::string value_;
};

// The values of one key, decoded: for (int64_t v : values) ... Single pass; with V =
// std::string_view a value stays valid until the next one is read.
template <class V>
class TypedValues {
 public:
  static_assert(HasCodec<V>, "minimr::TypedValues: the value type needs a minimr::Codec");

  // Sets *value to the next value; returns false when there are no more. Throws
  // std::runtime_error naming the key if the bytes are not a V.
  bool Next(V* value) {
    if (!Advance()) return false;
    *value = Current();
    return true;
  }

  class Iterator {
   public:
    using value_type = V;
    using difference_type = std::ptrdiff_t;
    Iterator() = default;
    V operator*() const { return values_->Current(); }
    Iterator& operator++() {
      values_->Advance();
      return *this;
    }
    void operator++(int) { ++*this; }
    bool operator==(std::default_sentinel_t) const { return values_->done_; }

   private:
    friend class TypedValues;
    explicit Iterator(TypedValues* values) : values_(values) {}
    TypedValues* values_ = nullptr;
  };

  // REQUIRES: called once, before any Next().
  Iterator begin() {
    Advance();
    return Iterator(this);
  }
  std::default_sentinel_t end() { return {}; }

 private:
  template <class, class>
  friend class TypedCombiner;
  template <class, class, class, class>
  friend class TypedReducer;

  TypedValues(ValueIterator& values, std::string_view key, const char* role)
      : values_(values), key_(key), role_(role) {}

  bool Advance() {
    done_ = !values_.Next(&bytes_);
    return !done_;
  }
  V Current() const { return typed_internal::DecodeOrThrow<V>(bytes_, role_, key_, false); }

  ValueIterator& values_;
  std::string_view key_;
  const char* role_;
  std::string_view bytes_;
  bool done_ = false;
};

// A Mapper whose input records are decoded (see the top of this file) and whose output is typed.
// Override Map; Setup and Finish if needed. context() is the task's context from Setup on. The
// framework calls it as a Mapper (in your class the typed Map hides the byte-string one).
template <class In, class KOut, class VOut>
class TypedMapper : public Mapper {
 public:
  using Input = In;
  using Out = TypedEmitter<KOut, VOut>;
  static_assert(std::same_as<In, std::string_view> || std::same_as<In, std::string> ||
                    typed_internal::kIsFields<In>,
                "minimr::TypedMapper: the input is std::string_view or std::string (the line) "
                "or minimr::Fields<...> (its fields)");

  // Called once before the first record.
  virtual void Setup() {}
  virtual void Map(const Input& input, Out& out) = 0;
  // Called once after the last record.
  virtual void Finish(Out& out) { (void)out; }

  void Setup(TaskContext& context) final {
    context_ = &context;
    Setup();
  }
  void Map(std::string_view key, std::string_view value, Emitter& out) final {
    out_.out_ = &out;
    if constexpr (std::same_as<In, std::string_view>) {
      Map(value, out_);
    } else if constexpr (std::same_as<In, std::string>) {
      line_.assign(value);
      Map(line_, out_);
    } else if (typed_internal::ParseFields(*context_, key, value, delimiter_, &line_)) {
      Map(line_, out_);
    } else {
      context_->counters().Add("map.input.blank_lines", 1);
    }
  }
  void Finish(Emitter& out) final {
    out_.out_ = &out;
    Finish(out_);
  }

 protected:
  // REQUIRES: Setup has begun.
  TaskContext& context() { return *context_; }
  // Fields are separated by each `delimiter` (empty fields possible) instead of by runs of
  // whitespace. Call it in the constructor or in Setup().
  void SetFieldDelimiter(char delimiter) { delimiter_ = delimiter; }

 private:
  TaskContext* context_ = nullptr;
  Out out_;
  std::conditional_t<std::same_as<In, std::string_view>, char, In> line_{};
  char delimiter_ = 0;
};

// A combiner: runs on a map task's output, decoded, and emits map output again. It must emit
// only the key it was given, and must accept its own output as input: the runtime may combine
// a key's values more than once. Register it with MakeJob<...>().Combiner<C>().
template <class K, class V>
class TypedCombiner : public Reducer {
 public:
  using Key = K;
  using Values = TypedValues<V>;
  using Out = TypedEmitter<K, V>;
  static_assert(HasCodec<K>, "minimr::TypedCombiner: the key type needs a minimr::Codec");

  // Called once before the first key.
  virtual void Setup() {}
  virtual void Reduce(const K& key, Values& values, Out& out) = 0;

  // Throws std::logic_error if this runs as the job's reducer.
  void Setup(TaskContext& context) final {
    if (context.phase() != "map") {
      throw std::logic_error(
          "a TypedCombiner writes binary map output and cannot be a job's reducer; derive the "
          "reducer from minimr::TypedReducer");
    }
    context_ = &context;
    Setup();
  }
  void Reduce(std::string_view key, ValueIterator& values, Emitter& out) final {
    K typed_key = typed_internal::DecodeOrThrow<K>(key, "combiner", key, true);
    Values typed_values(values, key, "combiner");
    out_.out_ = &out;
    Reduce(typed_key, typed_values, out_);
  }
  void Finish(Emitter&) final {}

 protected:
  // REQUIRES: Setup has begun.
  TaskContext& context() { return *context_; }

 private:
  TaskContext* context_ = nullptr;
  Out out_;
};

// A reducer over decoded keys and values whose output is the job's output, as text (see the
// top of this file). KOut and VOut are K and V unless given.
template <class K, class V, class KOut = K, class VOut = V>
class TypedReducer : public Reducer {
 public:
  using Key = K;
  using Values = TypedValues<V>;
  using Out = TextEmitter<KOut, VOut>;
  static_assert(HasCodec<K>, "minimr::TypedReducer: the key type needs a minimr::Codec");

  // Called once before the first key.
  virtual void Setup() {}
  virtual void Reduce(const K& key, Values& values, Out& out) = 0;
  // Called once after the last key.
  virtual void Finish(Out& out) { (void)out; }

  // Throws std::logic_error if this runs as a combiner: its output is text, not map output.
  void Setup(TaskContext& context) final {
    if (context.phase() == "map") {
      throw std::logic_error(
          "a TypedReducer writes the job's text output and cannot be a combiner; derive the "
          "combiner from minimr::TypedCombiner");
    }
    context_ = &context;
    Setup();
  }
  void Reduce(std::string_view key, ValueIterator& values, Emitter& out) final {
    K typed_key = typed_internal::DecodeOrThrow<K>(key, "reducer", key, true);
    Values typed_values(values, key, "reducer");
    out_.out_ = &out;
    Reduce(typed_key, typed_values, out_);
  }
  void Finish(Emitter& out) final {
    out_.out_ = &out;
    Finish(out_);
  }

 protected:
  // REQUIRES: Setup has begun.
  TaskContext& context() { return *context_; }

 private:
  TaskContext* context_ = nullptr;
  Out out_;
};

}  // namespace minimr
