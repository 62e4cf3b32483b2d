// Approved-file comparison and a small LCS-based unified diff for golden tests.
#include "approval.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace habop::golden {
namespace {

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    lines.push_back(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
  }
  return lines;
}

struct op {
  char tag = ' ';          // ' ' kept, '-' only in expected, '+' only in actual
  std::string_view line;
};

// Longest common subsequence by dynamic programming: golden files are a few hundred lines, so O(n*m) is fine.
std::vector<op> edit_script(const std::vector<std::string_view>& a, const std::vector<std::string_view>& b) {
  const std::size_t n = a.size(), m = b.size();
  std::vector<std::vector<std::size_t>> lcs(n + 1, std::vector<std::size_t>(m + 1, 0));
  for (std::size_t i = n; i-- > 0;)
    for (std::size_t j = m; j-- > 0;)
      lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
  std::vector<op> ops;
  std::size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] == b[j]) {
      ops.push_back({' ', a[i++]});
      ++j;
    } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
      ops.push_back({'-', a[i++]});  // removals before additions, as diff -u prints them
    } else {
      ops.push_back({'+', b[j++]});
    }
  }
  return ops;
}

}  // namespace

std::string golden_dir() { return std::string(HABOP_SOURCE_DIR) + "/tests/golden"; }

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return std::nullopt;
  std::ostringstream text;
  text << f.rdbuf();
  return text.str();
}

std::string unified_diff(std::string_view expected, std::string_view actual, std::string_view expected_label,
                         std::string_view actual_label, int context) {
  if (expected == actual) return {};
  const auto a = split_lines(expected), b = split_lines(actual);
  const std::vector<op> ops = edit_script(a, b);
  std::ostringstream out;
  out << "--- " << expected_label << "\n+++ " << actual_label << "\n";
  if (a == b) out << "(the files differ only in their final newline)\n";
  const auto ctx = static_cast<std::size_t>(context);
  std::size_t k = 0;
  while (k < ops.size()) {
    if (ops[k].tag == ' ') {
      ++k;
      continue;
    }
    // A hunk: from `ctx` lines before this change to `ctx` lines after the last change closer than 2*ctx.
    const std::size_t begin = k >= ctx ? k - ctx : 0;
    std::size_t last_change = k;
    for (std::size_t t = k + 1; t < ops.size(); ++t) {
      if (ops[t].tag != ' ') last_change = t;
      else if (t - last_change > 2 * ctx) break;
    }
    const std::size_t end = std::min(ops.size(), last_change + ctx + 1);
    std::size_t a_line = 1, b_line = 1;
    for (std::size_t t = 0; t < begin; ++t) {
      if (ops[t].tag != '+') ++a_line;
      if (ops[t].tag != '-') ++b_line;
    }
    std::size_t a_len = 0, b_len = 0;
    for (std::size_t t = begin; t < end; ++t) {
      if (ops[t].tag != '+') ++a_len;
      if (ops[t].tag != '-') ++b_len;
    }
    out << "@@ -" << a_line << "," << a_len << " +" << b_line << "," << b_len << " @@\n";
    for (std::size_t t = begin; t < end; ++t) out << ops[t].tag << ops[t].line << "\n";
    k = end;
  }
  return out.str();
}

verdict verify(const std::string& name, const std::string& received) {
  const std::string approved_path = golden_dir() + "/" + name + ".approved.yaml";
  const std::string received_path = golden_dir() + "/" + name + ".received.yaml";
  const char* approve = std::getenv("HABOP_APPROVE");
  if (approve && std::string_view(approve) == "1") {
    std::ofstream(approved_path, std::ios::binary) << received;
    std::filesystem::remove(received_path);
    return {true, "approved " + approved_path};
  }
  const auto approved = read_file(approved_path);
  if (approved && *approved == received) {
    std::error_code ignored;
    std::filesystem::remove(received_path, ignored);  // a stale one from an earlier failure
    return {true, {}};
  }
  std::ofstream(received_path, std::ios::binary) << received;
  std::string report = approved ? unified_diff(*approved, received, approved_path, received_path)
                                : "no approved file " + approved_path + "\n";
  report += "\nThe output was written to " + received_path +
            ".\nIf the change is intended, approve it: HABOP_APPROVE=1 ctest -L golden_tests "
            "(or mv the .received.yaml over the .approved.yaml).\n";
  return {false, report};
}

}  // namespace habop::golden
