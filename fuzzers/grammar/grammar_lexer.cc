#include "fuzzers/grammar/grammar_lexer.h"

#include <fmt/format.h>

namespace iotfuzz::grammar {

std::string Token::Describe() const {
  switch (kind) {
    case TokenKind::kEnd: return "end of file";
    case TokenKind::kInvalid: return "an invalid token";
    case TokenKind::kIdentifier: return fmt::format("'{}'", text);
    case TokenKind::kInteger: return fmt::format("number {}", value);
    case TokenKind::kString: return "a string";
    case TokenKind::kBytes: return "a byte string";
    case TokenKind::kCharClass: return "a character class";
    case TokenKind::kPunct: return fmt::format("'{}'", text);
  }
  return "a token";
}

namespace {

bool IsIdentStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsIdentChar(char c) { return IsIdentStart(c) || (c >= '0' && c <= '9'); }
int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class Lexer {
 public:
  Lexer(std::string_view src, DiagnosticList& diags) : src_(src), diags_(diags) {}

  std::vector<Token> Run() {
    std::vector<Token> tokens;
    tokens.reserve(src_.size() / 4 + 1);
    while (true) {
      SkipSpaceAndComments();
      Token t;
      t.pos = Pos();
      if (i_ >= src_.size()) {
        t.kind = TokenKind::kEnd;
        tokens.push_back(t);
        return tokens;
      }
      LexOne(t);
      tokens.push_back(std::move(t));
    }
  }

 private:
  SourcePos Pos() const { return {line_, static_cast<uint32_t>(i_ - line_start_ + 1)}; }
  char Peek(size_t ahead = 0) const { return i_ + ahead < src_.size() ? src_[i_ + ahead] : '\0'; }
  void Advance() {
    if (src_[i_] == '\n') {
      ++line_;
      line_start_ = i_ + 1;
    }
    ++i_;
  }

  void SkipSpaceAndComments() {
    while (i_ < src_.size()) {
      char c = src_[i_];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        Advance();
      } else if (c == '#') {
        while (i_ < src_.size() && src_[i_] != '\n') Advance();
      } else {
        return;
      }
    }
  }

  void LexOne(Token& t) {
    char c = Peek();
    if ((c == 'i' || c == 'x') && Peek(1) == '"') {
      Advance();
      if (c == 'x') return LexByteString(t);
      t.case_insensitive = true;
      return LexString(t);
    }
    if (IsIdentStart(c)) {
      t.kind = TokenKind::kIdentifier;
      while (i_ < src_.size() && IsIdentChar(src_[i_])) t.text.push_back(src_[i_]), Advance();
      return;
    }
    if (c >= '0' && c <= '9') return LexInteger(t);
    if (c == '"') return LexString(t);
    if (c == '[') return LexCharClass(t);
    static constexpr std::string_view kTwo[] = {"..", "&&", "||", "==", "!=", "<=", ">="};
    for (auto two : kTwo) {
      if (src_.substr(i_, 2) == two) {
        t.kind = TokenKind::kPunct;
        t.text = std::string(two);
        Advance(), Advance();
        return;
      }
    }
    static constexpr std::string_view kOne = "=;|(){}<>?*+,:./!-@&";
    if (kOne.find(c) != std::string_view::npos) {
      t.kind = TokenKind::kPunct;
      t.text = std::string(1, c);
      Advance();
      return;
    }
    t.kind = TokenKind::kInvalid;
    unsigned char u = static_cast<unsigned char>(c);
    diags_.Error(t.pos, u >= 0x20 && u < 0x7f ? fmt::format("unexpected character '{}'", c)
                                               : fmt::format("unexpected byte 0x{:02x}", u));
    Advance();
  }

  void LexInteger(Token& t) {
    t.kind = TokenKind::kInteger;
    uint64_t value = 0;
    bool overflow = false;
    if (Peek() == '0' && (Peek(1) == 'x' || Peek(1) == 'X')) {
      Advance(), Advance();
      if (HexDigit(Peek()) < 0) {
        diags_.Error(Pos(), "expected hex digits after '0x'");
        t.kind = TokenKind::kInvalid;
        return;
      }
      while (HexDigit(Peek()) >= 0) {
        if (value >> 60) overflow = true;
        value = value * 16 + HexDigit(Peek());
        Advance();
      }
    } else {
      while (Peek() >= '0' && Peek() <= '9') {
        uint64_t digit = Peek() - '0';
        if (value > (UINT64_MAX - digit) / 10) overflow = true;
        value = value * 10 + digit;
        Advance();
      }
    }
    if (IsIdentChar(Peek())) {
      diags_.Error(Pos(), fmt::format("unexpected '{}' in a number", Peek()));
      while (IsIdentChar(Peek())) Advance();
    }
    if (overflow) diags_.Error(t.pos, "number does not fit in 64 bits");
    t.value = value;
  }

  // Reads one escape after a backslash; returns the byte or -1 after an error.
  int Escape() {
    SourcePos at = Pos();
    if (i_ >= src_.size()) {
      diags_.Error(at, "unterminated escape");
      return -1;
    }
    char c = Peek();
    Advance();
    switch (c) {
      case 'n': return '\n';
      case 'r': return '\r';
      case 't': return '\t';
      case '0': return 0;
      case '\\': return '\\';
      case '"': return '"';
      case ']': return ']';
      case '[': return '[';
      case '-': return '-';
      case '^': return '^';
      case 'x': {
        int hi = HexDigit(Peek());
        int lo = HexDigit(Peek(1));
        if (hi < 0 || lo < 0) {
          diags_.Error(at, "expected two hex digits after '\\x'");
          return -1;
        }
        Advance(), Advance();
        return hi * 16 + lo;
      }
      default:
        diags_.Error(at, fmt::format("unknown escape '\\{}' (known: \\n \\r \\t \\0 \\\\ \\\" \\xHH)",
                                     (c >= 0x20 && c < 0x7f) ? std::string(1, c) : std::string("?")));
        return -1;
    }
  }

  void LexString(Token& t) {
    t.kind = TokenKind::kString;
    Advance();  // opening quote
    while (true) {
      if (i_ >= src_.size() || Peek() == '\n') {
        diags_.Error(t.pos, "unterminated string: expected '\"' before the end of the line");
        t.kind = TokenKind::kInvalid;
        return;
      }
      char c = Peek();
      if (c == '"') {
        Advance();
        return;
      }
      Advance();
      if (c == '\\') {
        int b = Escape();
        if (b >= 0) {
          t.text.push_back(static_cast<char>(b));
        } else {
          t.kind = TokenKind::kInvalid;
        }
      } else {
        t.text.push_back(c);
      }
    }
  }

  void LexByteString(Token& t) {
    t.kind = TokenKind::kBytes;
    Advance();  // opening quote
    int pending = -1;
    while (true) {
      if (i_ >= src_.size() || Peek() == '\n') {
        diags_.Error(t.pos, "unterminated byte string: expected '\"'");
        t.kind = TokenKind::kInvalid;
        return;
      }
      char c = Peek();
      SourcePos at = Pos();
      Advance();
      if (c == '"') break;
      if (c == ' ' || c == '\t') continue;
      int d = HexDigit(c);
      if (d < 0) {
        diags_.Error(at, fmt::format("expected a hex digit in byte string, found '{}'", c));
        continue;
      }
      if (pending < 0) {
        pending = d;
      } else {
        t.text.push_back(static_cast<char>(pending * 16 + d));
        pending = -1;
      }
    }
    if (pending >= 0) diags_.Error(t.pos, "byte string has an odd number of hex digits");
  }

  void LexCharClass(Token& t) {
    t.kind = TokenKind::kCharClass;
    Advance();  // '['
    bool negate = false;
    if (Peek() == '^') {
      negate = true;
      Advance();
    }
    int previous = -1;
    bool range = false;
    while (true) {
      if (i_ >= src_.size() || Peek() == '\n') {
        diags_.Error(t.pos, "unterminated character class: expected ']'");
        t.kind = TokenKind::kInvalid;
        return;
      }
      char c = Peek();
      SourcePos at = Pos();
      Advance();
      if (c == ']') break;
      if (c == '-' && previous >= 0 && !range && Peek() != ']') {
        range = true;
        continue;
      }
      int b = static_cast<unsigned char>(c);
      if (c == '\\') b = Escape();
      if (b < 0) continue;
      if (range) {
        if (b < previous) {
          diags_.Error(at, "character range is backwards");
        } else {
          for (int x = previous; x <= b; ++x) t.char_class.set(x);
        }
        range = false;
        previous = -1;
      } else {
        t.char_class.set(b);
        previous = b;
      }
    }
    if (range) t.char_class.set('-');
    if (negate) t.char_class.flip();
    if (t.char_class.none()) diags_.Error(t.pos, "character class matches no byte");
  }

  std::string_view src_;
  DiagnosticList& diags_;
  size_t i_ = 0;
  uint32_t line_ = 1;
  size_t line_start_ = 0;
};

}  // namespace

std::vector<Token> LexGrammar(std::string_view source, DiagnosticList& diagnostics) {
  return Lexer(source, diagnostics).Run();
}

}  // namespace iotfuzz::grammar
