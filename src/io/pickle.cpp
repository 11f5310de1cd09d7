#include "hoif/io/pickle.h"

#include <cstring>
#include <unordered_map>

#include "hoif/core/error.h"
#include "hoif/io/npy.h"

namespace hoif::py {

// ---------------------------------------------------------------- Document

const Object& Document::at(int index) const {
  if (index < 0 || index >= size()) fail("pickle", "object index out of range");
  return objects_[static_cast<size_t>(index)];
}
Object& Document::at(int index) {
  if (index < 0 || index >= size()) fail("pickle", "object index out of range");
  return objects_[static_cast<size_t>(index)];
}
int Document::size() const { return static_cast<int>(objects_.size()); }

int Document::push(Object object) {
  objects_.push_back(std::move(object));
  return size() - 1;
}

int Document::add_none() { return push({}); }
int Document::add_bool(bool value) {
  Object o;
  o.kind = Kind::Bool;
  o.boolean = value;
  return push(std::move(o));
}
int Document::add_int(int64_t value) {
  Object o;
  o.kind = Kind::Int;
  o.integer = value;
  return push(std::move(o));
}
int Document::add_float(double value) {
  Object o;
  o.kind = Kind::Float;
  o.real = value;
  return push(std::move(o));
}
int Document::add_str(std::string value) {
  Object o;
  o.kind = Kind::Str;
  o.text = std::move(value);
  return push(std::move(o));
}
int Document::add_list(std::vector<int> items) {
  Object o;
  o.kind = Kind::List;
  o.items = std::move(items);
  return push(std::move(o));
}
int Document::add_tuple(std::vector<int> items) {
  Object o;
  o.kind = Kind::Tuple;
  o.items = std::move(items);
  return push(std::move(o));
}
int Document::add_dict() {
  Object o;
  o.kind = Kind::Dict;
  return push(std::move(o));
}
void Document::dict_set(int dict, int key, int value) {
  Object& d = at(dict);
  if (d.kind != Kind::Dict) fail("pickle", "dict_set on a non-dict");
  d.items.push_back(key);
  d.items.push_back(value);
}
void Document::list_append(int list, int item) {
  Object& l = at(list);
  if (l.kind != Kind::List) fail("pickle", "list_append on a non-list");
  l.items.push_back(item);
}
int Document::add_array(NdArray array) {
  Object o;
  o.kind = Kind::Array;
  o.shape = array.shape;
  o.numeric = std::make_shared<NdArray>(std::move(array));
  o.built = true;
  return push(std::move(o));
}
int Document::add_object_array(std::vector<int64_t> shape, std::vector<int> items) {
  if (Array<float>::count(shape) != static_cast<int64_t>(items.size()))
    fail("pickle", "object array size does not match its shape");
  Object o;
  o.kind = Kind::Array;
  o.shape = std::move(shape);
  o.object_array = true;
  o.items = std::move(items);
  o.built = true;
  return push(std::move(o));
}

// ---------------------------------------------------------------- Value

static const char* kind_name(Kind k) {
  switch (k) {
    case Kind::None: return "None";
    case Kind::Bool: return "bool";
    case Kind::Int: return "int";
    case Kind::Float: return "float";
    case Kind::Str: return "str";
    case Kind::Bytes: return "bytes";
    case Kind::Tuple: return "tuple";
    case Kind::List: return "list";
    case Kind::Dict: return "dict";
    case Kind::Array: return "ndarray";
    case Kind::DType: return "dtype";
    case Kind::Global: return "global";
  }
  return "?";
}

const Object& Value::obj() const { return doc_->at(index_); }
Kind Value::kind() const { return obj().kind; }

std::vector<Value> Value::sequence() const {
  const Object& o = obj();
  const bool object_vector = o.kind == Kind::Array && o.object_array && o.shape.size() == 1;
  if (o.kind != Kind::List && o.kind != Kind::Tuple && !object_vector)
    fail(where_, std::string("expected a list, found a ") + kind_name(o.kind));
  std::vector<Value> out;
  for (size_t i = 0; i < o.items.size(); ++i)
    out.emplace_back(*doc_, o.items[i], where_ + "[" + std::to_string(i) + "]");
  return out;
}

std::vector<std::pair<std::string, Value>> Value::dict_items() const {
  const Object& o = obj();
  if (o.kind != Kind::Dict) fail(where_, std::string("expected a dict, found a ") + kind_name(o.kind));
  std::vector<std::pair<std::string, Value>> out;
  for (size_t i = 0; i + 1 < o.items.size(); i += 2) {
    const Object& key = doc_->at(o.items[i]);
    if (key.kind != Kind::Str) fail(where_, std::string("dict key is a ") + kind_name(key.kind) + ", expected str");
    out.emplace_back(key.text, Value(*doc_, o.items[i + 1], where_ + "['" + key.text + "']"));
  }
  return out;
}

bool Value::has(const std::string& key) const {
  for (auto& [k, v] : dict_items())
    if (k == key) return true;
  return false;
}

Value Value::operator[](const std::string& key) const {
  for (auto& [k, v] : dict_items())
    if (k == key) return v;
  fail(where_, "has no key '" + key + "'");
}

const std::string& Value::str() const {
  const Object& o = obj();
  if (o.kind != Kind::Str) fail(where_, std::string("expected a str, found a ") + kind_name(o.kind));
  return o.text;
}

int64_t Value::integer() const {
  const Object& o = obj();
  if (o.kind == Kind::Int) return o.integer;
  if (o.kind == Kind::Bool) return o.boolean ? 1 : 0;
  fail(where_, std::string("expected an int, found a ") + kind_name(o.kind));
}

const NdArray& Value::array() const {
  const Object& o = obj();
  if (o.kind != Kind::Array || o.object_array || !o.numeric)
    fail(where_, std::string("expected a numeric ndarray, found a ") + (o.object_array ? "object ndarray" : kind_name(o.kind)));
  return *o.numeric;
}

Value Value::item() const {
  const Object& o = obj();
  if (o.kind != Kind::Array || !o.object_array || o.items.size() != 1)
    fail(where_, "expected a 0-d object array holding one Python object");
  return Value(*doc_, o.items[0], where_);
}

// ---------------------------------------------------------------- decoding

namespace {

bool parse_descr(const std::string& descr, DType& out) {
  static const std::pair<const char*, DType> table[] = {
      {"f4", DType::f4}, {"f8", DType::f8}, {"i1", DType::i1}, {"i2", DType::i2}, {"i4", DType::i4},
      {"i8", DType::i8}, {"u1", DType::u1}, {"u2", DType::u2}, {"u4", DType::u4}, {"u8", DType::u8},
      {"b1", DType::b1}};
  std::string d = descr;
  if (!d.empty() && (d[0] == '<' || d[0] == '|' || d[0] == '=')) d = d.substr(1);
  for (auto& [name, t] : table)
    if (d == name) {
      out = t;
      return true;
    }
  return false;
}

}  // namespace

class Decoder {
 public:
  Decoder(const uint8_t* data, size_t size, std::string where, const DecodeLimits& limits)
      : p_(data), end_(data + size), where_(std::move(where)), limits_(limits) {}

  Document run() {
    for (;;) {
      const uint8_t op = u8();
      switch (op) {
        case 0x80: u8(); break;          // PROTO
        case 0x95: take(8); break;       // FRAME: a hint only
        case '.': return finish();       // STOP
        case '(': marks_.push_back(stack_.size()); break;
        case ')': push(doc_.add_tuple()); break;
        case 't': push(doc_.add_tuple(pop_mark())); break;
        case 0x85: push(doc_.add_tuple(pop_n(1))); break;
        case 0x86: push(doc_.add_tuple(pop_n(2))); break;
        case 0x87: push(doc_.add_tuple(pop_n(3))); break;
        case ']': push(doc_.add_list()); break;
        case 'l': push(doc_.add_list(pop_mark())); break;
        case 'a': { int item = pop(); append(top(), {item}); break; }
        case 'e': { auto items = pop_mark(); append(top(), items); break; }
        case '}': push(doc_.add_dict()); break;
        case 'd': { int d = doc_.add_dict(); set_items(d, pop_mark()); push(d); break; }
        case 's': { int v = pop(); int k = pop(); set_items(top(), {k, v}); break; }
        case 'u': { auto kv = pop_mark(); set_items(top(), kv); break; }
        case 'N': push(doc_.add_none()); break;
        case 0x88: push(doc_.add_bool(true)); break;
        case 0x89: push(doc_.add_bool(false)); break;
        case 'J': { int32_t v; std::memcpy(&v, take(4), 4); push(doc_.add_int(v)); break; }
        case 'K': push(doc_.add_int(u8())); break;
        case 'M': { uint16_t v; std::memcpy(&v, take(2), 2); push(doc_.add_int(v)); break; }
        case 0x8a: push(doc_.add_int(long_bytes(u8()))); break;      // LONG1
        case 0x8b: push(doc_.add_int(long_bytes(length(4)))); break;  // LONG4
        case 'G': push(doc_.add_float(binfloat())); break;
        case 'X': push(string_object(Kind::Str, length(4))); break;
        case 0x8c: push(string_object(Kind::Str, u8())); break;
        case 0x8d: push(string_object(Kind::Str, length(8))); break;
        case 'B': push(string_object(Kind::Bytes, length(4))); break;
        case 'C': push(string_object(Kind::Bytes, u8())); break;
        case 0x8e: push(string_object(Kind::Bytes, length(8))); break;
        case 0x96: push(string_object(Kind::Bytes, length(8))); break;  // BYTEARRAY8
        case 'T': push(string_object(Kind::Bytes, length(4))); break;   // BINSTRING (Python 2 str)
        case 'U': push(string_object(Kind::Bytes, u8())); break;
        case 'q': memo_put(u8()); break;
        case 'r': memo_put(static_cast<uint32_t>(length(4))); break;
        case 0x94: memo_put(static_cast<uint32_t>(memo_.size())); break;  // MEMOIZE
        case 'h': push(memo_get(u8())); break;
        case 'j': push(memo_get(static_cast<uint32_t>(length(4)))); break;
        case 'c': { std::string module = line(); std::string name = line(); push(global(module, name)); break; }
        case 0x93: { int name = pop(); int module = pop(); push(global(text_of(module), text_of(name))); break; }
        case 'R': { int args = pop(); int callable = pop(); push(reduce(callable, args)); break; }
        case 'b': { int state = pop(); build(top(), state); break; }
        case '0': pop(); break;
        case '1': pop_mark(); break;
        case '2': push(top()); break;
        default: bad("unsupported pickle opcode 0x" + hex(op));
      }
      if (doc_.size() > limits_.max_objects) bad("too many objects");
    }
  }

 private:
  [[noreturn]] void bad(const std::string& what) const { fail(where_, "pickle: " + what); }

  static std::string hex(uint8_t v) {
    static const char* digits = "0123456789abcdef";
    return {digits[v >> 4], digits[v & 15]};
  }

  const uint8_t* take(size_t n) {
    if (static_cast<size_t>(end_ - p_) < n) bad("truncated data");
    const uint8_t* at = p_;
    p_ += n;
    return at;
  }
  uint8_t u8() { return *take(1); }
  uint64_t length(int bytes) {
    uint64_t v = 0;
    std::memcpy(&v, take(static_cast<size_t>(bytes)), static_cast<size_t>(bytes));
    return v;
  }
  int64_t long_bytes(uint64_t n) {
    if (n > 8) bad("integer wider than 64 bits");
    const uint8_t* b = take(n);
    uint64_t v = 0;
    for (uint64_t i = 0; i < n; ++i) v |= uint64_t(b[i]) << (8 * i);
    if (n > 0 && n < 8 && (b[n - 1] & 0x80)) v |= ~uint64_t(0) << (8 * n);  // sign-extend
    return static_cast<int64_t>(v);
  }
  double binfloat() {
    const uint8_t* b = take(8);
    uint64_t bits = 0;
    for (int i = 0; i < 8; ++i) bits = (bits << 8) | b[i];  // big-endian
    double v;
    std::memcpy(&v, &bits, 8);
    return v;
  }
  std::string line() {
    const uint8_t* nl = static_cast<const uint8_t*>(std::memchr(p_, '\n', static_cast<size_t>(end_ - p_)));
    if (!nl) bad("truncated data");
    std::string s(reinterpret_cast<const char*>(p_), static_cast<size_t>(nl - p_));
    p_ = nl + 1;
    return s;
  }
  int string_object(Kind kind, uint64_t n) {
    if (n > static_cast<uint64_t>(end_ - p_)) bad("truncated data");
    const uint8_t* b = take(n);
    Object o;
    o.kind = kind;
    o.text.assign(reinterpret_cast<const char*>(b), n);
    return doc_.push(std::move(o));
  }

  void push(int index) { stack_.push_back(index); }
  int top() {
    if (stack_.size() <= floor()) bad("stack underflow");
    return stack_.back();
  }
  int pop() {
    int v = top();
    stack_.pop_back();
    return v;
  }
  size_t floor() const { return marks_.empty() ? 0 : marks_.back(); }
  std::vector<int> pop_n(size_t n) {
    if (stack_.size() < floor() + n) bad("stack underflow");
    std::vector<int> out(stack_.end() - static_cast<long>(n), stack_.end());
    stack_.resize(stack_.size() - n);
    return out;
  }
  std::vector<int> pop_mark() {
    if (marks_.empty()) bad("missing MARK");
    size_t m = marks_.back();
    marks_.pop_back();
    std::vector<int> out(stack_.begin() + static_cast<long>(m), stack_.end());
    stack_.resize(m);
    return out;
  }

  void append(int list, const std::vector<int>& items) {
    Object& l = doc_.at(list);
    if (l.kind != Kind::List) bad("APPEND to a non-list");
    l.items.insert(l.items.end(), items.begin(), items.end());
  }
  void set_items(int dict, const std::vector<int>& kv) {
    if (kv.size() % 2) bad("odd number of dict items");
    Object& d = doc_.at(dict);
    if (d.kind != Kind::Dict) bad("SETITEM on a non-dict");
    for (size_t i = 0; i < kv.size(); i += 2) {
      const Object& key = doc_.at(kv[i]);
      if (key.kind != Kind::Str && key.kind != Kind::Int && key.kind != Kind::Bytes) bad("unhashable dict key");
      d.items.push_back(kv[i]);
      d.items.push_back(kv[i + 1]);
    }
  }

  void memo_put(uint32_t key) {
    if (key > static_cast<uint32_t>(limits_.max_objects)) bad("memo index too large");
    memo_[key] = top();
  }
  int memo_get(uint32_t key) {
    auto it = memo_.find(key);
    if (it == memo_.end()) bad("memo key " + std::to_string(key) + " not found");
    return it->second;
  }

  const std::string& text_of(int index) {
    const Object& o = doc_.at(index);
    if (o.kind != Kind::Str) bad("STACK_GLOBAL needs str operands");
    return o.text;
  }

  int global(const std::string& module, const std::string& name) {
    static const char* allowed[] = {
        "numpy.core.multiarray._reconstruct", "numpy._core.multiarray._reconstruct",
        "numpy.core.multiarray.scalar",       "numpy._core.multiarray.scalar",
        "numpy.core.numeric._frombuffer",     "numpy._core.numeric._frombuffer",
        "numpy.ndarray",                      "numpy.dtype",
        // Python 3 writes bytes in protocol 2 as _codecs.encode(str, 'latin1'); numpy < 1.17 used protocol 2.
        "_codecs.encode"};
    const std::string full = module + "." + name;
    for (const char* a : allowed)
      if (full == a) {
        Object o;
        o.kind = Kind::Global;
        // Both numpy 1 ('numpy.core') and numpy 2 ('numpy._core') spellings map to one name.
        o.text = full.rfind("numpy._core.", 0) == 0 ? "numpy.core." + full.substr(12) : full;
        return doc_.push(std::move(o));
      }
    bad("refusing to load '" + full + "' (only numpy arrays, dicts, lists and scalars are allowed)");
  }

  std::vector<int> tuple_items(int index, size_t n, const char* what) {
    const Object& o = doc_.at(index);
    if (o.kind != Kind::Tuple || (n && o.items.size() != n)) bad(std::string("bad arguments for ") + what);
    return o.items;
  }

  int reduce(int callable, int args) {
    const Object& c = doc_.at(callable);
    if (c.kind != Kind::Global) bad("REDUCE on something not callable");
    const std::string fn = c.text;
    if (fn == "numpy.core.multiarray._reconstruct") {
      auto a = tuple_items(args, 3, "_reconstruct");
      if (doc_.at(a[0]).kind != Kind::Global || doc_.at(a[0]).text != "numpy.ndarray") bad("_reconstruct of a non-ndarray");
      Object o;
      o.kind = Kind::Array;
      return doc_.push(std::move(o));
    }
    if (fn == "numpy.dtype") {
      auto a = tuple_items(args, 0, "dtype");
      if (a.empty() || doc_.at(a[0]).kind != Kind::Str) bad("bad arguments for dtype");
      Object o;
      o.kind = Kind::DType;
      o.text = doc_.at(a[0]).text;
      return doc_.push(std::move(o));
    }
    if (fn == "numpy.core.multiarray.scalar") {
      auto a = tuple_items(args, 2, "scalar");
      const Object& dt = dtype_object(a[0]);
      const Object& raw = doc_.at(a[1]);
      if (raw.kind != Kind::Bytes) bad("bad arguments for scalar");
      NdArray arr = numeric_array(dt, {}, raw.text);
      if (arr.dtype == DType::f4 || arr.dtype == DType::f8) return doc_.add_float(arr.to_double(where_).values[0]);
      if (arr.dtype == DType::b1) return doc_.add_bool(arr.bytes[0] != 0);
      return doc_.add_int(arr.to_int64(where_)[0]);
    }
    if (fn == "_codecs.encode") {
      auto a = tuple_items(args, 2, "_codecs.encode");
      const Object& text = doc_.at(a[0]);
      const Object& encoding = doc_.at(a[1]);
      if (text.kind != Kind::Str || encoding.kind != Kind::Str || (encoding.text != "latin1" && encoding.text != "latin-1"))
        bad("_codecs.encode is only accepted for latin1 bytes");
      Object o;
      o.kind = Kind::Bytes;
      o.text = latin1_from_utf8(text.text);
      return doc_.push(std::move(o));
    }
    if (fn == "numpy.core.numeric._frombuffer") {
      auto a = tuple_items(args, 4, "_frombuffer");
      const Object& buf = doc_.at(a[0]);
      if (buf.kind != Kind::Bytes) bad("bad buffer for _frombuffer");
      const Object& order = doc_.at(a[3]);
      std::vector<int64_t> shape = shape_of(a[2]);
      if (order.kind != Kind::Str || (order.text != "C" && shape.size() > 1)) bad("only C-ordered arrays are supported");
      return doc_.add_array(numeric_array(dtype_object(a[1]), shape, buf.text));
    }
    bad("cannot call '" + fn + "'");
  }

  // The str holds code points 0..255 encoded as UTF-8; latin1 maps each to one byte.
  std::string latin1_from_utf8(const std::string& s) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
      const auto c = static_cast<unsigned char>(s[i]);
      if (c < 0x80) {
        out.push_back(static_cast<char>(c));
      } else if ((c & 0xe0) == 0xc0 && c <= 0xc3 && i + 1 < s.size()) {
        out.push_back(static_cast<char>(((c & 0x03) << 6) | (static_cast<unsigned char>(s[++i]) & 0x3f)));
      } else {
        bad("_codecs.encode of a character outside latin1");
      }
    }
    return out;
  }

  const Object& dtype_object(int index) {
    const Object& dt = doc_.at(index);
    if (dt.kind != Kind::DType) bad("expected a dtype");
    return dt;
  }

  std::vector<int64_t> shape_of(int index) {
    std::vector<int64_t> shape;
    int64_t total = 1;
    for (int i : tuple_items(index, 0, "shape")) {
      const Object& d = doc_.at(i);
      if (d.kind != Kind::Int || d.integer < 0) bad("bad array shape");
      if (d.integer > 0 && total > (int64_t(1) << 40) / d.integer) bad("array too large");
      total *= d.integer;
      shape.push_back(d.integer);
    }
    if (shape.size() > 32) bad("too many array dimensions");
    return shape;
  }

  NdArray numeric_array(const Object& dt, std::vector<int64_t> shape, const std::string& raw) {
    NdArray arr;
    if (dt.byte_order == '>') bad("big-endian arrays are not supported");
    if (!parse_descr(dt.text, arr.dtype)) bad("unsupported dtype '" + dt.text + "'");
    arr.shape = std::move(shape);
    if (static_cast<int64_t>(raw.size()) != arr.count() * dtype_size(arr.dtype))
      bad("array data has " + std::to_string(raw.size()) + " bytes, its shape needs " +
          std::to_string(arr.count() * dtype_size(arr.dtype)));
    arr.bytes.assign(raw.begin(), raw.end());
    return arr;
  }

  void build(int target, int state) {
    Object& t = doc_.at(target);
    if (t.built) bad("BUILD applied twice");
    if (t.kind == Kind::DType) {
      auto s = tuple_items(state, 0, "dtype state");
      if (s.size() < 2 || doc_.at(s[1]).kind != Kind::Str || doc_.at(s[1]).text.size() != 1) bad("bad dtype state");
      t.byte_order = doc_.at(s[1]).text[0];
      t.built = true;
      return;
    }
    if (t.kind != Kind::Array) bad("BUILD on an unsupported object");
    auto s = tuple_items(state, 5, "ndarray state");
    std::vector<int64_t> shape = shape_of(s[1]);
    const Object& dt = dtype_object(s[2]);
    const Object& fortran = doc_.at(s[3]);
    if (fortran.kind != Kind::Bool || (fortran.boolean && shape.size() > 1)) bad("Fortran-ordered arrays are not supported");
    const Object& data = doc_.at(s[4]);
    if (dt.text == "O8" || dt.text == "O4" || dt.text == "|O" || dt.text == "O") {
      if (data.kind != Kind::List) bad("object array without a list of items");
      if (static_cast<int64_t>(data.items.size()) != Array<float>::count(shape)) bad("object array size does not match its shape");
      std::vector<int> items = data.items;
      Object& arr = doc_.at(target);
      arr.object_array = true;
      arr.items = std::move(items);
      arr.shape = std::move(shape);
      arr.built = true;
      return;
    }
    if (data.kind != Kind::Bytes) bad("numeric array without raw data");
    NdArray na = numeric_array(dt, shape, data.text);
    Object& arr = doc_.at(target);
    arr.shape = std::move(shape);
    arr.numeric = std::make_shared<NdArray>(std::move(na));
    arr.built = true;
  }

  Document finish() {
    if (stack_.size() != 1 || !marks_.empty()) bad("malformed (stack not empty at STOP)");
    doc_.root = stack_[0];
    for (int i = 0; i < doc_.size(); ++i) {
      const Object& o = doc_.at(i);
      if (o.kind == Kind::Array && !o.built) bad("ndarray without state");
    }
    return std::move(doc_);
  }

  const uint8_t* p_;
  const uint8_t* end_;
  std::string where_;
  DecodeLimits limits_;
  Document doc_;
  std::vector<int> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint32_t, int> memo_;
};

Document decode(const uint8_t* data, size_t size, const std::string& where, const DecodeLimits& limits) {
  return Decoder(data, size, where, limits).run();
}

// ---------------------------------------------------------------- encoding

namespace {

class Encoder {
 public:
  Encoder(const Document& doc, std::vector<uint8_t>& out) : doc_(doc), out_(out) {}

  void run() {
    out_.push_back(0x80);
    out_.push_back(3);
    emit(doc_.root, 0);
    out_.push_back('.');
  }

 private:
  void byte(uint8_t b) { out_.push_back(b); }
  void raw(const void* p, size_t n) {
    const uint8_t* b = static_cast<const uint8_t*>(p);
    out_.insert(out_.end(), b, b + n);
  }
  void u32(uint32_t v) { raw(&v, 4); }
  void text(const std::string& s) {
    byte('X');
    u32(static_cast<uint32_t>(s.size()));
    raw(s.data(), s.size());
  }
  void bytes(const void* p, size_t n) {
    if (n > 0xffffffffu) fail("pickle", "array larger than 4 GiB");
    byte('B');
    u32(static_cast<uint32_t>(n));
    raw(p, n);
  }
  void global(const char* module_and_name) {
    byte('c');
    raw(module_and_name, std::strlen(module_and_name));
    byte('\n');
  }
  void integer(int64_t v) {
    if (v >= 0 && v < 256) {
      byte('K');
      byte(static_cast<uint8_t>(v));
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
      byte('J');
      int32_t w = static_cast<int32_t>(v);
      raw(&w, 4);
    } else {
      byte(0x8a);
      byte(8);
      raw(&v, 8);
    }
  }
  void dtype(const std::string& descr, char order, bool object) {
    global("numpy\ndtype");
    text(descr);
    byte(0x89);
    byte(0x88);
    byte(0x87);
    byte('R');
    byte('(');
    integer(3);
    text(std::string(1, order));
    byte('N');
    byte('N');
    byte('N');
    integer(-1);
    integer(-1);
    integer(object ? 63 : 0);
    byte('t');
    byte('b');
  }

  void emit(int index, int depth) {
    if (depth > 64) fail("pickle", "nesting too deep to encode");
    const Object& o = doc_.at(index);
    switch (o.kind) {
      case Kind::None: byte('N'); break;
      case Kind::Bool: byte(o.boolean ? 0x88 : 0x89); break;
      case Kind::Int: integer(o.integer); break;
      case Kind::Float: {
        byte('G');
        uint64_t bits;
        std::memcpy(&bits, &o.real, 8);
        for (int i = 7; i >= 0; --i) byte(static_cast<uint8_t>(bits >> (8 * i)));
        break;
      }
      case Kind::Str: text(o.text); break;
      case Kind::Bytes: bytes(o.text.data(), o.text.size()); break;
      case Kind::Tuple:
      case Kind::List:
        byte(o.kind == Kind::List ? ']' : '(');
        if (o.kind == Kind::List && !o.items.empty()) byte('(');
        for (int i : o.items) emit(i, depth + 1);
        if (o.kind == Kind::List) {
          if (!o.items.empty()) byte('e');
        } else {
          byte('t');
        }
        break;
      case Kind::Dict:
        byte('}');
        if (!o.items.empty()) {
          byte('(');
          for (int i : o.items) emit(i, depth + 1);
          byte('u');
        }
        break;
      case Kind::Array: array(o, depth); break;
      default: fail("pickle", "cannot encode this object");
    }
  }

  void array(const Object& o, int depth) {
    global("numpy.core.multiarray\n_reconstruct");
    global("numpy\nndarray");
    integer(0);
    byte(0x85);
    byte('C');
    byte(1);
    byte('b');
    byte(0x87);
    byte('R');
    byte('(');
    integer(1);
    byte('(');
    for (int64_t d : o.shape) integer(d);
    byte('t');
    if (o.object_array) {
      dtype("O8", '|', true);
      byte(0x89);
      byte(']');
      if (!o.items.empty()) {
        byte('(');
        for (int i : o.items) emit(i, depth + 1);
        byte('e');
      }
    } else {
      const std::string d = dtype_descr(o.numeric->dtype);
      dtype(d.substr(1), d[0], false);
      byte(0x89);
      bytes(o.numeric->bytes.data(), o.numeric->bytes.size());
    }
    byte('t');
    byte('b');
  }

  const Document& doc_;
  std::vector<uint8_t>& out_;
};

}  // namespace

void encode(const Document& doc, std::vector<uint8_t>& out) { Encoder(doc, out).run(); }

namespace {

uint64_t little_endian(const uint8_t* p, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = v << 8 | p[i];
  return v;
}

}  // namespace

// LibTorch's unpickler sizes a string or bytes object by its declared length before reading it:
// a forged length made a 26 kB file allocate and zero gigabytes. Walks the opcodes (Python's
// pickletools) and refuses any length beyond the end of the pickle; stops, leaving the rest to
// LibTorch, at an opcode it does not know.
void check_pickle_lengths(const std::vector<uint8_t>& pickle, const std::string& where) {
  const uint8_t* p = pickle.data();
  const uint8_t* const end = p + pickle.size();
  auto lines = [&](int n) {
    for (; n > 0; --n) {
      const void* newline = std::memchr(p, '\n', static_cast<size_t>(end - p));
      if (!newline) fail(where, "corrupt: a pickle line runs past its end");
      p = static_cast<const uint8_t*>(newline) + 1;
    }
  };
  while (p < end) {
    const uint8_t op = *p++;
    int fixed = 0, length_bytes = 0;
    switch (op) {
      case 'K': case 'h': case 'q': case 0x80: case 0x82: fixed = 1; break;
      case 'M': case 0x83: fixed = 2; break;
      case 'J': case 'j': case 'r': case 0x84: fixed = 4; break;
      case 'G': fixed = 8; break;
      case 0x95: fixed = 8; break;  // FRAME: its length is checked by the opcodes inside it
      case 'U': case 'C': case 0x8c: case 0x8a: length_bytes = 1; break;
      case 'T': case 'B': case 'X': case 0x8b: length_bytes = 4; break;
      case 0x8d: case 0x8e: case 0x96: length_bytes = 8; break;
      case 'I': case 'L': case 'F': case 'S': case 'V': case 'g': case 'p': case 'P': lines(1); continue;
      case 'c': case 'i': lines(2); continue;
      case '.': return;
      default:
        // Opcodes without an argument; anything else is unknown here and left to LibTorch.
        if ((op == 0 || !std::strchr("(012NQRabd}el]ost)u", op)) && !(op >= 0x81 && op <= 0x98)) return;
        continue;
    }
    if (end - p < fixed + length_bytes) fail(where, "corrupt: a pickle opcode runs past its end");
    if (length_bytes) {
      const uint64_t n = little_endian(p, length_bytes);
      p += length_bytes;
      if (n > static_cast<uint64_t>(end - p)) fail(where, "corrupt: a pickled value is longer than the pickle");
      p += n;
    } else {
      p += fixed;
    }
  }
}

}  // namespace hoif::py
