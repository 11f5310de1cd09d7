#pragma once
// A safe decoder and encoder for the subset of Python's pickle format that numpy uses for
// object arrays (np.save of dicts and lists of ndarrays). Nothing is executed: only a short
// list of numpy constructors is recognised, and everything else is an error. Objects live in
// an arena owned by the Document, so hostile input cannot build reference cycles that leak.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace hoif {
struct NdArray;
}

namespace hoif::py {

enum class Kind { None, Bool, Int, Float, Str, Bytes, Tuple, List, Dict, Array, DType, Global };

struct Object {
  Kind kind = Kind::None;
  bool boolean = false;
  int64_t integer = 0;
  double real = 0.0;
  std::string text;               // Str, Bytes, DType descr, Global "module.name"
  std::vector<int> items;         // Tuple, List, object Array elements; Dict: key, value, key, value...
  std::vector<int64_t> shape;     // Array
  bool object_array = false;      // Array of Python objects (items) rather than numbers (numeric)
  std::shared_ptr<NdArray> numeric;  // numeric Array
  char byte_order = '|';          // DType
  bool built = false;             // Array / DType received its BUILD state
};

class Document {
 public:
  int root = -1;
  const Object& at(int index) const;
  Object& at(int index);
  int size() const;

  // Builders, each returning the new object's index.
  int add_none();
  int add_bool(bool value);
  int add_int(int64_t value);
  int add_float(double value);
  int add_str(std::string value);
  int add_list(std::vector<int> items = {});
  int add_tuple(std::vector<int> items = {});
  int add_dict();
  void dict_set(int dict, int key, int value);
  void list_append(int list, int item);
  int add_array(NdArray array);
  // An object ndarray of the given shape holding `items` (prod(shape) of them).
  int add_object_array(std::vector<int64_t> shape, std::vector<int> items);

 private:
  friend class Decoder;
  int push(Object object);
  std::vector<Object> objects_;
};


// A read-only view of one object, for walking a decoded document.
class Value {
 public:
  Value(const Document& doc, int index, std::string where) : doc_(&doc), index_(index), where_(std::move(where)) {}
  Kind kind() const;
  const std::string& where() const { return where_; }
  bool is_dict() const { return kind() == Kind::Dict; }
  // Lists and tuples; a 1-d object array is accepted as a sequence too.
  std::vector<Value> sequence() const;
  std::vector<std::pair<std::string, Value>> dict_items() const;  // keys must be str
  bool has(const std::string& key) const;
  Value operator[](const std::string& key) const;  // error when absent
  const std::string& str() const;
  int64_t integer() const;
  const NdArray& array() const;  // numeric ndarray
  // The single element of a 0-d object array (numpy's .item()).
  Value item() const;

 private:
  const Object& obj() const;
  const Document* doc_;
  int index_;
  std::string where_;
};

struct DecodeLimits {
  int64_t max_objects = 4'000'000;
  int max_depth = 64;  // nesting depth, checked by Value walks and the encoder
};

// Decodes a pickle (protocols 2 to 5); `where` names the source in errors.
Document decode(const uint8_t* data, size_t size, const std::string& where, const DecodeLimits& limits = {});
// Encodes doc (protocol 3, as numpy writes it), appending to out.
void encode(const Document& doc, std::vector<uint8_t>& out);

// Any pickle (LibTorch's too): walks its opcodes as Python's pickletools does and refuses, with an
// error naming `where`, a declared length or line that runs past its end; stops at an opcode it
// does not know. LibTorch's unpickler allocates a declared length before reading it.
void check_pickle_lengths(const std::vector<uint8_t>& pickle, const std::string& where);

}  // namespace hoif::py
