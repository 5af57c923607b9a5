#include "parquet/levels.h"

#include <stdexcept>

namespace tributary::parquet {

namespace {

class Walker {
 public:
  Walker(const std::vector<ArrowNode>& path, const std::string& column, Segment& out)
      : path_(path), column_(column), out_(out) {
    // Repetition level of each list's elements = number of lists up to it.
    uint16_t rep = 0;
    uint16_t def = 0;
    list_rep_.resize(path.size());
    for (size_t d = 0; d < path.size(); ++d) {
      if (path[d].optional) ++def;
      if (path[d].kind == NodeKind::kList || path[d].kind == NodeKind::kLargeList) {
        ++rep;
        ++def;
      }
      list_rep_[d] = rep;
    }
    max_def_ = def;
    has_rep_ = rep > 0;
  }

  void Row(int64_t row) { Visit(0, row, 0, 0); }

 private:
  void Emit(uint16_t def, uint16_t rep) {
    out_.def.push_back(def);
    if (has_rep_) out_.rep.push_back(rep);
    ++out_.num_levels;
  }

  void Visit(size_t d, int64_t i, uint16_t def, uint16_t rep) {
    for (;;) {
      const ArrowNode& n = path_[d];
      if (i < 0 || i >= n.length) {
        throw std::runtime_error("column '" + column_ + "': element " + std::to_string(i) +
                                 " is outside its array of length " + std::to_string(n.length) +
                                 " (inconsistent offsets or lengths)");
      }
      if (n.optional) {
        if (n.IsNull(i)) return Emit(def, rep);
        ++def;
      } else if (n.IsNull(i)) {
        // A REQUIRED field may hold nulls only where an ancestor is null (and
        // the walk never gets here); anywhere else the value would be lost.
        throw std::runtime_error("column '" + column_ + "' is not nullable but has a null at element " +
                                 std::to_string(i));
      }
      switch (n.kind) {
        case NodeKind::kLeaf:
          Emit(def, rep);
          if (def == max_def_) {
            out_.positions.push_back(i);
            ++out_.num_values;
          }
          return;
        case NodeKind::kStruct:
          ++d;  // struct children share the struct's element index
          continue;
        case NodeKind::kList:
        case NodeKind::kLargeList: {
          const int64_t b = n.kind == NodeKind::kList ? n.offsets32[i] : n.offsets64[i];
          const int64_t e = n.kind == NodeKind::kList ? n.offsets32[i + 1] : n.offsets64[i + 1];
          if (e < b) {
            throw std::runtime_error("column '" + column_ + "': list offsets decrease at element " + std::to_string(i));
          }
          if (b == e) return Emit(def, rep);  // empty list
          const uint16_t inner = list_rep_[d];
          Visit(d + 1, b, def + 1, rep);
          for (int64_t j = b + 1; j < e; ++j) Visit(d + 1, j, def + 1, inner);
          return;
        }
      }
      return;
    }
  }

  const std::vector<ArrowNode>& path_;
  const std::string& column_;
  Segment& out_;
  std::vector<uint16_t> list_rep_;
  uint16_t max_def_ = 0;
  bool has_rep_ = false;
};

bool AllStructsWithoutNulls(const std::vector<ArrowNode>& path) {
  for (const ArrowNode& n : path) {
    if (n.kind == NodeKind::kList || n.kind == NodeKind::kLargeList) return false;
    if (n.validity != nullptr) return false;
  }
  return true;
}

}  // namespace

void ComputeLevels(const std::vector<ArrowNode>& path, int64_t row_begin, int64_t row_end, const std::string& column,
                   Segment& out) {
  out.Clear();
  const int64_t rows = row_end - row_begin;
  for (const ArrowNode& n : path) {
    // Without lists, every array on the path is indexed by the row number.
    if (n.kind == NodeKind::kList || n.kind == NodeKind::kLargeList) break;
    if (n.length < row_end) {
      throw std::runtime_error("column '" + column + "': array of length " + std::to_string(n.length) +
                               " is shorter than its parent (" + std::to_string(row_end) + " rows)");
    }
  }
  if (AllStructsWithoutNulls(path)) {
    out.dense = true;
    out.dense_start = row_begin;
    out.num_levels = out.num_values = rows;
    return;
  }
  out.def.reserve(static_cast<size_t>(rows));
  if (path.size() == 1 && path[0].optional) {
    // Flat nullable column: one level per row straight from the bitmap.
    const ArrowNode& n = path[0];
    out.positions.reserve(static_cast<size_t>(rows));
    for (int64_t i = row_begin; i < row_end; ++i) {
      const bool valid = !n.IsNull(i);
      out.def.push_back(valid ? 1 : 0);
      if (valid) out.positions.push_back(i);
    }
    out.num_levels = rows;
    out.num_values = static_cast<int64_t>(out.positions.size());
    return;
  }
  Walker walker(path, column, out);
  for (int64_t r = row_begin; r < row_end; ++r) walker.Row(r);
}

}  // namespace tributary::parquet
