#include "fuzzers/grammar/grammar_parser.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "fuzzers/grammar/grammar_checker.h"
#include "fuzzers/grammar/grammar_lexer.h"

namespace iotfuzz::grammar {

const char* ExprKindName(ExprKind kind) {
  switch (kind) {
    case ExprKind::kLiteral: return "literal";
    case ExprKind::kCharClass: return "class";
    case ExprKind::kSequence: return "sequence";
    case ExprKind::kChoice: return "choice";
    case ExprKind::kRepeat: return "repeat";
    case ExprKind::kOptional: return "optional";
    case ExprKind::kConditional: return "if";
    case ExprKind::kRuleRef: return "rule";
    case ExprKind::kInteger: return "integer";
    case ExprKind::kBits: return "bits";
    case ExprKind::kBitField: return "bitfield";
    case ExprKind::kVarint: return "varint";
    case ExprKind::kDecimal: return "dec";
    case ExprKind::kHex: return "hex";
    case ExprKind::kBytes: return "bytes";
    case ExprKind::kString: return "string";
    case ExprKind::kVirtual: return "virtual";
  }
  return "?";
}

const char* RelationKindName(RelationKind kind) {
  switch (kind) {
    case RelationKind::kNone: return "none";
    case RelationKind::kLength: return "length";
    case RelationKind::kCount: return "count";
    case RelationKind::kPresent: return "present";
    case RelationKind::kDelta: return "delta";
  }
  return "?";
}

const char* RelationCodecName(RelationCodec codec) {
  switch (codec) {
    case RelationCodec::kNone: return "";
    case RelationCodec::kNibble13: return "nibble13";
    case RelationCodec::kExt13: return "ext13";
  }
  return "?";
}

uint64_t EncodeRelationCodec(RelationCodec codec, uint64_t v) {
  switch (codec) {
    case RelationCodec::kNone: return v;
    case RelationCodec::kNibble13: return v < 13 ? v : v < 269 ? 13 : 14;
    case RelationCodec::kExt13: return v < 13 ? 0 : v < 269 ? v - 13 : v - 269;
  }
  return v;
}

bool DecodeRelationCodec(RelationCodec codec, uint64_t field, uint64_t& part) {
  switch (codec) {
    case RelationCodec::kNone: part = field; return true;
    case RelationCodec::kNibble13:
      if (field == 15) return false;
      part = field < 13 ? field : field == 13 ? 13 : 269;
      return true;
    case RelationCodec::kExt13: part = field; return true;
  }
  return false;
}

std::optional<RuleId> Grammar::FindRule(std::string_view name) const {
  auto it = rule_index.find(name);
  if (it == rule_index.end()) return std::nullopt;
  return it->second;
}

const Session* Grammar::SessionOfRule(RuleId rule) const {
  for (const Session& s : sessions) {
    if (s.input_rule == rule && rule != kNone) return &s;
  }
  return nullptr;
}

const Session* Grammar::SessionOfRoot(ExprId root) const {
  for (const Session& s : sessions) {
    if (s.message_list == root && root != kNone) return &s;
  }
  return nullptr;
}

namespace {

// Thrown inside the parser to unwind to the enclosing declaration after an
// error has been recorded.
struct SyntaxError {};

// Words that start a typed terminal rather than a rule reference.
bool ParseIntegerType(std::string_view word, uint32_t& width, ByteOrder& order, bool& is_signed) {
  if (word.size() < 2 || (word[0] != 'u' && word[0] != 'i')) return false;
  is_signed = word[0] == 'i';
  std::string_view rest = word.substr(1);
  order = ByteOrder::kBig;
  if (rest.ends_with("be")) {
    rest.remove_suffix(2);
  } else if (rest.ends_with("le")) {
    order = ByteOrder::kLittle;
    rest.remove_suffix(2);
  } else if (rest != "8") {
    return false;  // multi-byte integers must say their byte order
  }
  if (rest == "8") width = 1;
  else if (rest == "16") width = 2;
  else if (rest == "24") width = 3;
  else if (rest == "32") width = 4;
  else if (rest == "64") width = 8;
  else return false;
  return true;
}

class Parser {
 public:
  Parser(std::vector<Token> tokens, Grammar& g, DiagnosticList& d)
      : tokens_(std::move(tokens)), g_(g), diags_(d) {}

  void Run() {
    while (At().kind != TokenKind::kEnd) {
      size_t before = pos_;
      try {
        Declaration();
      } catch (const SyntaxError&) {
        Recover();
      }
      if (pos_ == before) ++pos_;  // always make progress
    }
    ResolveRuleRefs();
  }

 private:
  const Token& At(size_t ahead = 0) const {
    size_t i = std::min(pos_ + ahead, tokens_.size() - 1);
    return tokens_[i];
  }
  // The current token, then advances (the end token is never passed).
  const Token& Take() {
    const Token& t = At();
    if (pos_ < tokens_.size() - 1) ++pos_;
    return t;
  }
  [[noreturn]] void Fail(const Token& at, std::string_view expected) {
    // An invalid token was already reported by the lexer.
    if (at.kind == TokenKind::kInvalid) throw SyntaxError{};
    diags_.Error(at.pos, fmt::format("expected {}, found {}", expected, at.Describe()));
    throw SyntaxError{};
  }
  void Expect(std::string_view punct, std::string_view what = {}) {
    if (!At().Is(punct)) Fail(At(), what.empty() ? fmt::format("'{}'", punct) : std::string(what));
    Take();
  }
  bool Accept(std::string_view punct) {
    if (!At().Is(punct)) return false;
    Take();
    return true;
  }
  std::string Identifier(std::string_view what) {
    if (At().kind != TokenKind::kIdentifier) Fail(At(), what);
    return Take().text;
  }
  uint64_t Integer(std::string_view what) {
    if (At().kind != TokenKind::kInteger) Fail(At(), what);
    return Take().value;
  }
  uint32_t SmallInteger(std::string_view what, uint64_t limit = 1u << 24) {
    const Token& t = At();
    uint64_t v = Integer(what);
    if (v > limit) {
      diags_.Error(t.pos, fmt::format("{} is too large (at most {})", v, limit));
      throw SyntaxError{};
    }
    return static_cast<uint32_t>(v);
  }

  // Skips to just after the next ';' at nesting depth 0 (or a '}' closing a
  // session), so the next declaration parses cleanly.
  void Recover() {
    int depth = 0;
    while (At().kind != TokenKind::kEnd) {
      const Token& t = Take();
      if (t.Is("(") || t.Is("{")) ++depth;
      if ((t.Is(")") || t.Is("}")) && depth > 0) --depth;
      if (t.Is(";") && depth == 0) return;
    }
  }

  ExprId NewExpr(ExprKind kind, SourcePos pos) {
    Expr e;
    e.kind = kind;
    e.pos = pos;
    g_.exprs.push_back(std::move(e));
    return static_cast<ExprId>(g_.exprs.size() - 1);
  }
  Expr& E(ExprId id) { return g_.exprs[id]; }

  void Declaration() {
    const Token& t = At();
    if (t.IsWord("grammar") && At(1).kind == TokenKind::kIdentifier) {
      Take();
      g_.name = Take().text;
      Expect(";");
      return;
    }
    if (t.IsWord("start") && At(1).kind == TokenKind::kIdentifier && At(2).Is(";")) {
      Take();
      start_token_ = Take();
      Take();
      return;
    }
    if (t.IsWord("lies") && At(1).kind == TokenKind::kInteger) {
      Take();
      const Token& num_tok = At();
      uint32_t num = SmallInteger("a number");
      Expect("/", "'/' (a lie rate is written like 1/32)");
      uint32_t den = SmallInteger("a number");
      if (den == 0 || num > den) {
        diags_.Error(num_tok.pos, "lie rate must be between 0/N and N/N with N > 0");
      } else {
        g_.lie_numerator = num;
        g_.lie_denominator = den;
      }
      Expect(";");
      return;
    }
    if (t.IsWord("session") && At(1).kind == TokenKind::kIdentifier && !At(1).Is("=")) {
      SessionDeclaration();
      return;
    }
    if (t.kind != TokenKind::kIdentifier) Fail(t, "a rule name, 'grammar', 'start', 'lies' or 'session'");
    const Token& name = Take();
    Expect("=", "'=' after the rule name");
    ExprId body = ChoiceExpr();
    if (!At().Is(";")) Fail(At(), "';' at the end of the rule (or '|' for another alternative)");
    Take();
    if (g_.rule_index.count(name.text)) {
      diags_.Error(name.pos, fmt::format("rule '{}' is defined twice (first at line {})", name.text,
                                         g_.rules[g_.rule_index[name.text]].pos.line));
      return;
    }
    g_.rule_index[name.text] = static_cast<RuleId>(g_.rules.size());
    g_.rules.push_back(Rule{name.text, body, name.pos});
  }

  // session NAME [framing stream|frames] { step... }
  void SessionDeclaration() {
    Take();  // 'session'
    const Token& name = Take();
    Session session;
    session.name = name.text;
    session.pos = name.pos;
    if (At().IsWord("framing")) {
      Take();
      if (At().IsWord("stream")) {
        session.framing = SessionFraming::kStream;
      } else if (At().IsWord("frames")) {
        session.framing = SessionFraming::kFrames;
      } else {
        Fail(At(), "'stream' or 'frames' after 'framing'");
      }
      Take();
    }
    Expect("{", "'{' opening the session's steps");
    session_connections_ = &session.connections;
    current_connection_ = kNone;
    session.steps = SessionSteps(0);
    session_connections_ = nullptr;
    if (session.steps.empty()) diags_.Error(name.pos, fmt::format("session '{}' has no steps", name.text));
    if (!session.connections.empty()) CheckStepsHaveConnections(session.steps);
    if (g_.rule_index.count(name.text)) {
      diags_.Error(name.pos, fmt::format("session '{}' has the name of a rule (line {})", name.text,
                                         g_.rules[g_.rule_index[name.text]].pos.line));
      return;
    }
    for (const Session& other : g_.sessions) {
      if (other.name == name.text) {
        diags_.Error(name.pos, fmt::format("session '{}' is defined twice (first at line {})", name.text,
                                           other.pos.line));
        return;
      }
    }
    SynthesizeSessionRules(session);
    g_.sessions.push_back(std::move(session));
  }

  // Steps up to the closing '}' (consumed).
  std::vector<SessionStep> SessionSteps(int depth) {
    NestingGuard guard(*this);
    std::vector<SessionStep> steps;
    while (!Accept("}")) {
      SessionStep step;
      step.pos = At().pos;
      if (At().IsWord("send") || At().IsWord("recv")) {
        step.kind = Take().text == "send" ? SessionStepKind::kSend : SessionStepKind::kRecv;
        step.pos = At().pos;  // errors about the step point at its rule
        step.rule_name = Identifier("the rule of the message");
        StepClauses(step);
        Expect(";", "';' at the end of the step");
      } else if (At().IsWord("repeat")) {
        Take();
        step.kind = SessionStepKind::kRepeat;
        step.min = SmallInteger("the least number of repetitions", 1u << 16);
        Expect("..", "'..' between the bounds of 'repeat'");
        step.max = SmallInteger("the most repetitions", 1u << 16);
        if (step.max < step.min) diags_.Error(step.pos, "repeat bounds are reversed");
        Expect("{", "'{' opening the repeated steps");
        step.body = SessionSteps(depth + 1);
        if (step.body.empty()) diags_.Error(step.pos, "'repeat' has no steps");
      } else if (At().IsWord("connection")) {
        // The steps of the block go over the named connection; the block
        // itself is only that, so its steps join the enclosing list.
        Take();
        if (current_connection_ != kNone) {
          diags_.Error(step.pos, fmt::format("'connection' blocks do not nest (this one is inside connection '{}')",
                                             (*session_connections_)[current_connection_]));
        }
        const std::string connection = Identifier("the name of the connection");
        auto& names = *session_connections_;
        auto it = std::find(names.begin(), names.end(), connection);
        if (it == names.end()) {
          if (names.size() == 255) Fail(At(), "at most 255 connections in a session");
          names.push_back(connection);
          it = names.end() - 1;
        }
        Expect("{", "'{' opening the steps of the connection");
        const uint32_t outer = current_connection_;
        current_connection_ = static_cast<uint32_t>(it - names.begin());
        std::vector<SessionStep> body = SessionSteps(depth + 1);
        current_connection_ = outer;
        if (body.empty()) diags_.Error(step.pos, fmt::format("connection '{}' block has no steps", connection));
        for (SessionStep& s : body) steps.push_back(std::move(s));
        continue;
      } else if (At().IsWord("either")) {
        Take();
        step.kind = SessionStepKind::kEither;
        do {
          Expect("{", "'{' opening the steps of an alternative");
          step.alternatives.push_back(SessionSteps(depth + 1));
          if (step.alternatives.back().empty()) diags_.Error(step.pos, "an alternative of 'either' has no steps");
        } while (At().IsWord("or") && (Take(), true));
        if (step.alternatives.size() < 2) diags_.Error(step.pos, "'either' needs at least one 'or { ... }'");
      } else {
        Fail(At(), "'send', 'recv', 'repeat', 'either', 'connection' or '}'");
      }
      if (step.kind == SessionStepKind::kSend || step.kind == SessionStepKind::kRecv) {
        step.connection = current_connection_;
      }
      steps.push_back(std::move(step));
    }
    return steps;
  }

  // In a session with connections, every message goes over a named one.
  void CheckStepsHaveConnections(const std::vector<SessionStep>& steps) {
    for (const SessionStep& s : steps) {
      CheckStepsHaveConnections(s.body);
      for (const auto& alternative : s.alternatives) CheckStepsHaveConnections(alternative);
      if ((s.kind == SessionStepKind::kSend || s.kind == SessionStepKind::kRecv) && s.connection == kNone) {
        diags_.Error(s.pos, fmt::format("'{}' is outside every 'connection' block, in a session with connections "
                                        "(put it in 'connection NAME {{ ... }}')",
                                        s.rule_name));
      }
    }
  }

  // A field path: name(.name)*
  std::vector<std::string> FieldPath(std::string_view what) {
    std::vector<std::string> path{Identifier(what)};
    while (At().Is(".") && At(1).kind == TokenKind::kIdentifier) {
      Take();
      path.push_back(Take().text);
    }
    return path;
  }

  // [+|- N]
  int64_t Addend() {
    int64_t addend = 0;
    while (At().Is("+") || At().Is("-")) {
      bool minus = Take().text == "-";
      int64_t n = static_cast<int64_t>(SmallInteger("a number"));
      addend += minus ? -n : n;
    }
    return addend;
  }

  // FIELD OP VAR [+|- N], as in `use` and `expect`.
  SessionUse FieldValueClause(std::string_view field_what, std::string_view op, std::string_view op_what) {
    SessionUse u;
    u.pos = At().pos;
    u.field = FieldPath(field_what);
    Expect(op, op_what);
    u.variable = Identifier("a variable bound earlier");
    u.addend = Addend();
    return u;
  }

  // bind V = F, ... | use F = V [+ N], ... | state(F) | expect F == V [+ N], ...
  void StepClauses(SessionStep& step) {
    bool recv = step.kind == SessionStepKind::kRecv;
    while (!At().Is(";") && At().kind != TokenKind::kEnd) {
      if (At().IsWord("bind")) {
        Take();
        do {
          SessionBind b;
          b.variable = Identifier("a variable name");
          Expect("=", "'=' after the variable (bind VAR = FIELD)");
          b.pos = At().pos;
          b.field = FieldPath("the field to bind");
          step.binds.push_back(std::move(b));
        } while (Accept(","));
      } else if (At().IsWord("use") && !recv) {
        Take();
        do {
          step.uses.push_back(FieldValueClause("the field that takes the value", "=",
                                               "'=' after the field (use FIELD = VAR)"));
        } while (Accept(","));
      } else if (At().IsWord("state") && recv) {
        Take();
        Expect("(", "'(' after 'state'");
        step.state = FieldPath("the field whose values are the response state");
        Expect(")", "')' closing 'state('");
      } else if (At().IsWord("accepts") && recv) {
        Take();
        step.accepts = true;
        if (Accept("(")) {
          step.accept_field = FieldPath("the field whose values mean acceptance");
          if (!At().IsWord("in")) Fail(At(), "'in' and a set of values (accepts(FIELD in {0}))");
          Take();
          IntegerList(step.accept_values);
          Expect(")", "')' closing 'accepts('");
        }
      } else if (At().IsWord("expect") && recv) {
        Take();
        do {
          step.expects.push_back(FieldValueClause("the field to check", "==", "'==' (expect FIELD == VAR)"));
        } while (Accept(","));
      } else {
        Fail(At(), recv ? "'bind', 'state', 'expect', 'accepts' or ';'" : "'bind', 'use' or ';'");
      }
    }
  }

  // Every rule a session sends, in order of first appearance.
  static void CollectRules(const std::vector<SessionStep>& steps, SessionStepKind kind,
                           std::vector<std::string>& out, std::vector<SourcePos>* positions = nullptr) {
    for (const SessionStep& s : steps) {
      if (s.kind == SessionStepKind::kRepeat) {
        CollectRules(s.body, kind, out, positions);
      } else if (s.kind == SessionStepKind::kEither) {
        for (const auto& alternative : s.alternatives) CollectRules(alternative, kind, out, positions);
      } else if (s.kind == kind && std::find(out.begin(), out.end(), s.rule_name) == out.end()) {
        out.push_back(s.rule_name);
        if (positions) positions->push_back(s.pos);
      }
    }
  }

  // Most messages a run through the steps can send (saturating).
  static uint64_t MostMessages(const std::vector<SessionStep>& steps) {
    uint64_t n = 0;
    for (const SessionStep& s : steps) {
      if (s.kind == SessionStepKind::kSend) n += 1;
      if (s.kind == SessionStepKind::kRepeat) n += std::min<uint64_t>(MostMessages(s.body) * s.max, 1u << 20);
      if (s.kind == SessionStepKind::kEither) {
        uint64_t most = 0;
        for (const auto& alternative : s.alternatives) most = std::max(most, MostMessages(alternative));
        n += most;
      }
      n = std::min<uint64_t>(n, 1u << 20);
    }
    return n;
  }

  // The two rules a session stands for (see grammar.h).
  void SynthesizeSessionRules(Session& session) {
    std::vector<std::string> sent;
    std::vector<SourcePos> sent_at;  // where each is first sent, for errors about it
    CollectRules(session.steps, SessionStepKind::kSend, sent, &sent_at);
    if (sent.empty()) {
      diags_.Error(session.pos, fmt::format("session '{}' sends no message", session.name));
      return;
    }
    SourcePos pos = session.pos;
    ExprId choice = NewExpr(ExprKind::kChoice, pos);
    for (size_t i = 0; i < sent.size(); ++i) {
      ExprId ref = NewExpr(ExprKind::kRuleRef, sent_at[i]);
      E(ref).rule_name = sent[i];
      E(choice).children.push_back(ref);
      E(choice).weights.push_back(1);
    }
    ExprId message_body = choice;
    if (session.framing == SessionFraming::kFrames || !session.connections.empty()) {
      E(choice).label = "message";
      ExprId len = NewExpr(ExprKind::kInteger, pos);
      E(len).label = "len";
      E(len).width = 2;
      E(len).order = ByteOrder::kLittle;
      E(len).relation.kind = RelationKind::kLength;
      E(len).relation.target = {"message"};
      E(len).relation.pos = pos;
      message_body = NewExpr(ExprKind::kSequence, pos);
      E(message_body).children = {len, choice};
      if (!session.connections.empty()) {
        ExprId connection = NewExpr(ExprKind::kInteger, pos);
        E(connection).label = "connection";
        E(connection).width = 1;  // any value: taken modulo the number of connections
        E(message_body).children.insert(E(message_body).children.begin(), connection);
        session.connection_field = connection;
      }
    }
    std::string message_name = session.name + ".message";
    ExprId message_ref = NewExpr(ExprKind::kRuleRef, pos);
    E(message_ref).rule_name = message_name;
    ExprId list = NewExpr(ExprKind::kRepeat, pos);
    E(list).label = "messages";
    E(list).children = {message_ref};
    E(list).min = 0;
    E(list).max = static_cast<uint32_t>(std::clamp<uint64_t>(MostMessages(session.steps), 16, 256));

    session.message_choice = choice;
    session.message_list = list;
    session.input_rule = static_cast<RuleId>(g_.rules.size());
    g_.rule_index[session.name] = session.input_rule;
    g_.rules.push_back(Rule{session.name, list, pos});
    session.message_rule = static_cast<RuleId>(g_.rules.size());
    g_.rule_index[message_name] = session.message_rule;
    g_.rules.push_back(Rule{message_name, message_body, pos});
  }

  // Rules and fields the steps name, once every rule is known.
  void ResolveSessions() {
    for (Session& session : g_.sessions) {
      if (session.input_rule == kNone) continue;
      std::map<std::string, SessionStepKind> bound;  // variable -> where bound first
      ResolveSteps(session, session.steps, bound);
      for (ExprId ref : g_.expr(session.message_choice).children) session.send_rules.push_back(g_.expr(ref).rule);
      std::vector<std::string> received;
      CollectRules(session.steps, SessionStepKind::kRecv, received);
      for (const std::string& name : received) {
        auto it = g_.rule_index.find(name);
        if (it != g_.rule_index.end()) session.recv_rules.push_back(it->second);
      }
    }
  }

  void ResolveSteps(Session& session, std::vector<SessionStep>& steps, std::map<std::string, SessionStepKind>& bound) {
    for (SessionStep& step : steps) {
      if (step.kind == SessionStepKind::kRepeat) {
        ResolveSteps(session, step.body, bound);
        continue;
      }
      if (step.kind == SessionStepKind::kEither) {
        // Each alternative sees what was bound before it; after the choice,
        // what any alternative binds counts as bound.
        std::map<std::string, SessionStepKind> after = bound;
        for (auto& alternative : step.alternatives) {
          std::map<std::string, SessionStepKind> inner = bound;
          ResolveSteps(session, alternative, inner);
          after.insert(inner.begin(), inner.end());
        }
        bound = std::move(after);
        continue;
      }
      auto it = g_.rule_index.find(step.rule_name);
      if (it == g_.rule_index.end()) {
        // A sent rule was reported with the rule references; a received one is reported here.
        if (step.kind == SessionStepKind::kRecv) {
          diags_.Error(step.pos, fmt::format("undefined rule '{}' in session '{}'", step.rule_name, session.name));
        }
        continue;
      }
      step.rule = it->second;
      if (g_.SessionOfRule(step.rule) || step.rule_name.find('.') != std::string::npos) {
        diags_.Error(step.pos, fmt::format("'{}' is a session, not a message rule", step.rule_name));
        continue;
      }
      auto resolve = [&](const std::vector<std::string>& path, SourcePos pos) {
        ExprId id = FindField(g_, step.rule, path);
        if (id == kNone) {
          diags_.Error(pos, fmt::format("rule '{}' has no field '{}'", step.rule_name, fmt::join(path, ".")));
          return id;
        }
        // `packet_id: if (qos > 0) u16be` names the number inside.
        while ((E(id).kind == ExprKind::kConditional || E(id).kind == ExprKind::kOptional ||
                (E(id).kind == ExprKind::kSequence && E(id).children.size() == 1)) &&
               !E(id).children.empty()) {
          id = E(id).children[0];
        }
        return id;
      };
      auto check_bound = [&](const SessionUse& u) {
        if (!bound.count(u.variable)) {
          diags_.Error(u.pos, fmt::format("variable '{}' is used before any step binds it", u.variable));
        }
      };
      for (SessionUse& u : step.uses) {
        u.field_expr = resolve(u.field, u.pos);
        check_bound(u);
        if (u.field_expr != kNone && !IsScalar(E(u.field_expr))) {
          diags_.Error(u.pos, fmt::format("'use' needs a number field; '{}' is {}", fmt::join(u.field, "."),
                                          ExprKindName(E(u.field_expr).kind)));
        }
      }
      for (SessionUse& u : step.expects) {
        u.field_expr = resolve(u.field, u.pos);
        check_bound(u);
      }
      if (!step.state.empty()) step.state_expr = resolve(step.state, step.pos);
      if (!step.accept_field.empty()) step.accept_expr = resolve(step.accept_field, step.pos);
      for (SessionBind& b : step.binds) {
        b.field_expr = resolve(b.field, b.pos);
        if (b.field_expr != kNone && !IsScalar(E(b.field_expr))) {
          diags_.Error(b.pos, fmt::format("'bind' needs a number field; '{}' is {}", fmt::join(b.field, "."),
                                          ExprKindName(E(b.field_expr).kind)));
        }
        bound.emplace(b.variable, step.kind);
      }
    }
  }

  bool AtAlternativeEnd() const {
    const Token& t = At();
    // `name =` starts the next rule: the previous one lacks its ';'.
    if (t.kind == TokenKind::kIdentifier && At(1).Is("=")) return true;
    return t.kind == TokenKind::kEnd || t.Is("|") || t.Is(";") || t.Is(")") || t.Is("}") || t.Is(",");
  }

  // Bounds recursion on hostile input: nesting deeper than this is an error,
  // not a stack overflow.
  static constexpr int kMaxNesting = 64;
  struct NestingGuard {
    Parser& p;
    explicit NestingGuard(Parser& parser) : p(parser) {
      if (++p.nesting_ > kMaxNesting) {
        p.diags_.Error(p.At().pos, fmt::format("expressions nest deeper than {} levels", kMaxNesting));
        --p.nesting_;
        throw SyntaxError{};
      }
    }
    ~NestingGuard() { --p.nesting_; }
  };

  ExprId ChoiceExpr() {
    NestingGuard guard(*this);
    SourcePos pos = At().pos;
    std::vector<ExprId> alts;
    std::vector<uint32_t> weights;
    bool weighted = false;
    do {
      uint32_t weight = 1;
      if (At().Is("<") && At(1).kind == TokenKind::kInteger && At(2).Is(">")) {
        Take();
        weight = SmallInteger("a weight", 1000000);
        Take();
        weighted = true;
      }
      alts.push_back(SequenceExpr());
      weights.push_back(weight);
    } while (Accept("|"));
    // Weight 0: an alternative that parses and that mutation may switch to,
    // but that generation never takes.
    if (std::find_if(weights.begin(), weights.end(), [](uint32_t w) { return w > 0; }) == weights.end()) {
      diags_.Error(pos, alts.size() == 1 ? "a weight must be at least 1"
                                         : "a choice needs an alternative of weight 1 or more");
    }
    if (alts.size() == 1 && !weighted) return alts[0];
    ExprId id = NewExpr(ExprKind::kChoice, pos);
    E(id).children = std::move(alts);
    E(id).weights = std::move(weights);
    return id;
  }

  ExprId SequenceExpr() {
    SourcePos pos = At().pos;
    std::vector<ExprId> items;
    while (!AtAlternativeEnd()) items.push_back(Item());
    if (items.empty()) Fail(At(), "an expression");
    if (items.size() == 1) return items[0];
    ExprId id = NewExpr(ExprKind::kSequence, pos);
    E(id).children = std::move(items);
    return id;
  }

  // [label ':'] postfix [ '=' relation-or-constant | 'in' range-or-set ]
  ExprId Item() {
    std::string label;
    SourcePos label_pos = At().pos;
    if (At().kind == TokenKind::kIdentifier && At(1).Is(":")) {
      label = Take().text;
      Take();
    }
    ExprId id = Postfix();
    if (!label.empty()) {
      if (!E(id).label.empty()) {
        // `a: b: u8` — keep the outer name on a group.
        ExprId group = NewExpr(ExprKind::kSequence, label_pos);
        E(group).children = {id};
        id = group;
      }
      E(id).label = label;
    }
    ValueSuffix(id);
    return id;
  }

  bool IsScalar(const Expr& e) const { return IsNumberKind(e.kind); }

  void ValueSuffix(ExprId id) {
    // `x: if (c) u8 = ...` and `x: u8? = ...` give the value to the number inside.
    const auto from_set = [&] { return At().IsWord("from") && At(1).Is("{"); };
    while ((E(id).kind == ExprKind::kConditional || E(id).kind == ExprKind::kOptional) &&
           (At().Is("=") || At().IsWord("in") || At().IsWord("interesting") || from_set())) {
      id = E(id).children[0];
    }
    if (At().Is("=")) {
      const Token& eq = At();
      if (!IsScalar(E(id))) {
        diags_.Error(eq.pos, fmt::format("only a number field can be given a value or relation, not {}",
                                         ExprKindName(E(id).kind)));
        throw SyntaxError{};
      }
      Take();
      RelationOrConstant(id);
    } else if (At().IsWord("in")) {
      const Token& in = At();
      if (!IsScalar(E(id))) {
        diags_.Error(in.pos, fmt::format("only a number field can be constrained with 'in', not {}",
                                         ExprKindName(E(id).kind)));
        throw SyntaxError{};
      }
      Take();
      RangeOrSet(E(id).constraint);
    } else if (from_set()) {
      const Token& from = At();
      if (!IsScalar(E(id))) {
        diags_.Error(from.pos, fmt::format("only a number field can take values 'from' a set, not {}",
                                           ExprKindName(E(id).kind)));
        throw SyntaxError{};
      }
      Take();
      E(id).constraint.kind = ConstraintKind::kSet;
      E(id).constraint.open = true;
      IntegerList(E(id).constraint.values);
    }
    if (At().IsWord("interesting")) {
      Take();
      if (!IsScalar(E(id))) Fail(At(), "'interesting' only after a number field");
      IntegerList(E(id).constraint.interesting);
    }
    if (At().IsWord("must_reject")) {
      const Token& word = At();
      if (!IsScalar(E(id))) {
        // Any other item: its presence is what a peer must reject.
        Take();
        E(id).must_reject_present = true;
        return;
      }
      if ((E(id).constraint.kind == ConstraintKind::kNone || E(id).constraint.open) &&
          E(id).relation.kind == RelationKind::kNone) {
        Fail(word, "'must_reject' only after a number field's constraint or relation (a 'from' set allows any "
                   "value)");
      }
      Take();
      E(id).constraint.must_reject = true;
    }
  }

  void RelationOrConstant(ExprId id) {
    if (At().kind == TokenKind::kInteger) {
      Constraint& c = E(id).constraint;
      c.kind = ConstraintKind::kConstant;
      c.low = c.high = Take().value;
      return;
    }
    Relation r;
    r.pos = At().pos;
    if ((At().IsWord("nibble13") || At().IsWord("ext13")) && At(1).Is("(")) {
      r.codec = Take().text == "nibble13" ? RelationCodec::kNibble13 : RelationCodec::kExt13;
      Take();
    }
    std::string fn = Identifier("a number or a relation: length(f), count(f), present(f), delta(f)");
    if (fn == "length") r.kind = RelationKind::kLength;
    else if (fn == "count") r.kind = RelationKind::kCount;
    else if (fn == "present") r.kind = RelationKind::kPresent;
    else if (fn == "delta") r.kind = RelationKind::kDelta;
    else {
      diags_.Error(r.pos, fmt::format("unknown relation '{}' (known: length, count, present, delta)", fn));
      throw SyntaxError{};
    }
    Expect("(");
    r.target = Path();
    Expect(")");
    if (Accept("*")) r.multiplier = static_cast<int64_t>(SmallInteger("a multiplier"));
    while (At().Is("+") || At().Is("-")) {
      bool minus = Take().text == "-";
      int64_t v = static_cast<int64_t>(SmallInteger("a number"));
      r.addend += minus ? -v : v;
    }
    if (r.codec != RelationCodec::kNone) Expect(")", "')' closing the codec");
    E(id).relation = std::move(r);
  }

  std::vector<std::string> Path() {
    std::vector<std::string> path{Identifier("a field name")};
    while (Accept(".")) path.push_back(Identifier("a field name after '.'"));
    return path;
  }

  void IntegerList(std::vector<uint64_t>& out) {
    Expect("{");
    do {
      out.push_back(Integer("a number"));
    } while (Accept(","));
    Expect("}");
  }

  void RangeOrSet(Constraint& c) {
    if (At().Is("{")) {
      c.kind = ConstraintKind::kSet;
      IntegerList(c.values);
      return;
    }
    const Token& lo_tok = At();
    c.kind = ConstraintKind::kRange;
    if (At().kind == TokenKind::kIdentifier) {
      // The low bound is an earlier field's value: `in start..0xffff`.
      SourcePos pos = At().pos;
      c.low_field = NewCondition({ConditionKind::kField, Path(), 0, kNone, kNone, pos});
      c.low = 0;
    } else {
      c.low = Integer("a range 'low..high' (low a number or an earlier field) or a set '{a, b}'");
    }
    Expect("..", "'..' in a range");
    c.high = Integer("the upper end of the range");
    if (c.high < c.low) diags_.Error(lo_tok.pos, "range is backwards");
  }

  ExprId Postfix() {
    ExprId id = Primary();
    while (true) {
      SourcePos pos = At().pos;
      if (Accept("?")) {
        ExprId opt = NewExpr(ExprKind::kOptional, pos);
        E(opt).children = {id};
        id = opt;
      } else if (At().Is("*") || At().Is("+")) {
        bool plus = Take().text == "+";
        ExprId rep = NewExpr(ExprKind::kRepeat, pos);
        E(rep).children = {id};
        E(rep).min = plus ? 1 : 0;
        E(rep).unbounded = true;
        id = rep;
      } else if (At().Is("{") && At(1).kind == TokenKind::kInteger) {
        ExprId rep = NewExpr(ExprKind::kRepeat, pos);
        E(rep).children = {id};
        Bounds(E(rep));
        id = rep;
      } else {
        return id;
      }
    }
  }

  // '{' n '}' | '{' m ',' '}' | '{' m ',' n '}'
  void Bounds(Expr& e) {
    const Token& open = At();
    Expect("{");
    e.min = SmallInteger("a count");
    if (Accept(",")) {
      if (At().Is("}")) {
        e.unbounded = true;
      } else {
        e.max = SmallInteger("the maximum count");
      }
    } else {
      e.max = e.min;
    }
    Expect("}");
    if (!e.unbounded && e.max < e.min) diags_.Error(open.pos, "maximum count is below the minimum");
  }

  ExprId Primary() {
    const Token& t = At();
    SourcePos pos = t.pos;
    switch (t.kind) {
      case TokenKind::kString: {
        if (t.text.empty()) Fail(t, "a non-empty string");
        ExprId id = NewExpr(ExprKind::kLiteral, pos);
        E(id).bytes = t.text;
        E(id).case_insensitive = t.case_insensitive;
        Take();
        return id;
      }
      case TokenKind::kBytes: {
        if (t.text.empty()) Fail(t, "a non-empty byte string");
        ExprId id = NewExpr(ExprKind::kLiteral, pos);
        E(id).bytes = t.text;
        Take();
        return id;
      }
      case TokenKind::kCharClass: {
        ExprId id = NewExpr(ExprKind::kCharClass, pos);
        E(id).alphabet = t.char_class;
        Take();
        return id;
      }
      case TokenKind::kPunct:
        if (t.Is("(")) {
          Take();
          ExprId inner = ChoiceExpr();
          Expect(")", "')' closing the group");
          // A group is its own node so a label on it names the whole group.
          ExprId id = NewExpr(ExprKind::kSequence, pos);
          E(id).children = {inner};
          return id;
        }
        Fail(t, "an expression");
      case TokenKind::kIdentifier:
        return Word();
      default:
        Fail(t, "an expression");
    }
  }

  // Typed terminals, 'if', 'bits', 'enum' ... or a rule reference.
  ExprId Word() {
    const Token& t = Take();
    SourcePos pos = t.pos;
    const std::string& w = t.text;
    uint32_t width;
    ByteOrder order;
    bool is_signed;
    if (ParseIntegerType(w, width, order, is_signed)) {
      ExprId id = NewExpr(ExprKind::kInteger, pos);
      E(id).width = width;
      E(id).order = order;
      E(id).is_signed = is_signed;
      return id;
    }
    if (w == "u16" || w == "u24" || w == "u32" || w == "u64" || w == "i16" || w == "i32" || w == "i64") {
      diags_.Error(pos, fmt::format("'{}' needs a byte order: '{}be' or '{}le'", w, w, w));
      throw SyntaxError{};
    }
    if (w == "varint") return NewExpr(ExprKind::kVarint, pos);
    if (w == "dec") return NewExpr(ExprKind::kDecimal, pos);
    if (w == "hex") return NewExpr(ExprKind::kHex, pos);
    if (w == "virtual") {
      ExprId id = NewExpr(ExprKind::kVirtual, pos);
      if (At().kind == TokenKind::kIdentifier && ParseIntegerType(At().text, width, order, is_signed)) {
        Take();
        E(id).width = width;
        E(id).is_signed = is_signed;
      } else {
        E(id).width = 8;
      }
      return id;
    }
    if (w == "bytes" || w == "ascii" || w == "utf8" || w == "token") {
      ExprId id = NewExpr(w == "bytes" ? ExprKind::kBytes : ExprKind::kString, pos);
      Expr& e = E(id);
      if (w == "ascii") {
        for (int c = 0x20; c < 0x7f; ++c) e.alphabet.set(c);
      } else if (w == "utf8") {
        e.utf8 = true;
        for (int c = 0x20; c < 0x7f; ++c) e.alphabet.set(c);
      } else if (w == "token") {
        for (char c : std::string_view("!#$%&'*+-.^_`|~")) e.alphabet.set(static_cast<unsigned char>(c));
        for (int c = '0'; c <= '9'; ++c) e.alphabet.set(c);
        for (int c = 'a'; c <= 'z'; ++c) e.alphabet.set(c), e.alphabet.set(c - 'a' + 'A');
        e.min = 1;
      }
      if (At().Is("{")) {
        Bounds(E(id));
      } else {
        E(id).unbounded = true;
      }
      return id;
    }
    if (w == "if") return Conditional(pos);
    if (w == "bits") return BitsBlock(pos);
    if (w == "enum") return Enum(pos);
    ExprId id = NewExpr(ExprKind::kRuleRef, pos);
    E(id).rule_name = w;
    return id;
  }

  ExprId Conditional(SourcePos pos) {
    NestingGuard guard(*this);
    Expect("(", "'(' after 'if'");
    ConditionId cond = OrCondition();
    Expect(")", "')' closing the condition");
    ExprId body = Postfix();
    ExprId id = NewExpr(ExprKind::kConditional, pos);
    E(id).condition = cond;
    E(id).children = {body};
    return id;
  }

  ConditionId NewCondition(Condition c) {
    g_.conditions.push_back(std::move(c));
    return static_cast<ConditionId>(g_.conditions.size() - 1);
  }
  ConditionId OrCondition() {
    ConditionId lhs = AndCondition();
    while (At().Is("||")) {
      SourcePos pos = Take().pos;
      ConditionId rhs = AndCondition();
      lhs = NewCondition({ConditionKind::kOr, {}, 0, lhs, rhs, pos});
    }
    return lhs;
  }
  ConditionId AndCondition() {
    ConditionId lhs = UnaryCondition();
    while (At().Is("&&")) {
      SourcePos pos = Take().pos;
      ConditionId rhs = UnaryCondition();
      lhs = NewCondition({ConditionKind::kAnd, {}, 0, lhs, rhs, pos});
    }
    return lhs;
  }
  ConditionId UnaryCondition() {
    NestingGuard guard(*this);
    if (At().Is("!")) {
      SourcePos pos = Take().pos;
      ConditionId inner = UnaryCondition();
      return NewCondition({ConditionKind::kNot, {}, 0, inner, kNone, pos});
    }
    if (At().Is("(")) {
      Take();
      ConditionId inner = OrCondition();
      Expect(")");
      return inner;
    }
    ConditionId lhs = Operand();
    static const std::pair<std::string_view, ConditionKind> kOps[] = {
        {"==", ConditionKind::kEq}, {"!=", ConditionKind::kNe}, {"<=", ConditionKind::kLe},
        {">=", ConditionKind::kGe}, {"<", ConditionKind::kLt},  {">", ConditionKind::kGt}};
    for (auto [text, kind] : kOps) {
      if (At().Is(text)) {
        SourcePos pos = Take().pos;
        ConditionId rhs = Operand();
        return NewCondition({kind, {}, 0, lhs, rhs, pos});
      }
    }
    return lhs;
  }
  // value ['&' value]...: a bitwise and binds tighter than the comparisons
  // (`number & 1 == 1` tests the low bit).
  ConditionId Operand() {
    ConditionId lhs = Value();
    while (At().Is("&")) {
      SourcePos pos = Take().pos;
      ConditionId rhs = Value();
      lhs = NewCondition({ConditionKind::kBitAnd, {}, 0, lhs, rhs, pos});
    }
    return lhs;
  }
  ConditionId Value() {
    SourcePos pos = At().pos;
    if (At().kind == TokenKind::kInteger) return NewCondition({ConditionKind::kConstant, {}, Take().value, kNone, kNone, pos});
    if (At().kind != TokenKind::kIdentifier) Fail(At(), "a field name or a number in the condition");
    return NewCondition({ConditionKind::kField, Path(), 0, kNone, kNone, pos});
  }

  // bits { name:width [= value|relation] [in ...], ... }
  ExprId BitsBlock(SourcePos pos) {
    ExprId id = NewExpr(ExprKind::kBits, pos);
    Expect("{", "'{' after 'bits'");
    uint32_t total = 0;
    do {
      const Token& name_tok = At();
      std::string name = Identifier("a bit field name");
      Expect(":", "':' and a width in bits");
      const Token& width_tok = At();
      uint32_t width = SmallInteger("a width in bits", 64);
      if (width == 0) diags_.Error(width_tok.pos, "a bit field needs at least one bit");
      ExprId field = NewExpr(ExprKind::kBitField, name_tok.pos);
      E(field).label = name == "_" ? std::string() : name;
      E(field).width = width;
      ValueSuffix(field);
      E(id).children.push_back(field);
      total += width;
    } while (Accept(","));
    Expect("}", "'}' closing the bit fields (or ',' for another)");
    if (total % 8 != 0 || total > 64) {
      diags_.Error(pos, fmt::format("bit fields add up to {} bits; they must fill 1 to 8 whole bytes", total));
    }
    E(id).width = total / 8;
    return id;
  }

  // enum u8 { name = value, ... } [interesting { ... }]
  ExprId Enum(SourcePos pos) {
    const Token& type_tok = At();
    std::string type = Identifier("an integer type after 'enum' (u8, u16be, varint ...)");
    ExprId id;
    uint32_t width;
    ByteOrder order;
    bool is_signed;
    if (ParseIntegerType(type, width, order, is_signed)) {
      id = NewExpr(ExprKind::kInteger, pos);
      E(id).width = width;
      E(id).order = order;
      E(id).is_signed = is_signed;
    } else if (type == "varint") {
      id = NewExpr(ExprKind::kVarint, pos);
    } else {
      Fail(type_tok, "an integer type (u8, u16be, u32le, varint ...)");
    }
    Constraint& c = E(id).constraint;
    c.kind = ConstraintKind::kEnum;
    Expect("{", "'{' listing the named values");
    do {
      std::string name = Identifier("a value name");
      Expect("=");
      uint64_t value = Integer("a number");
      E(id).constraint.names.push_back(std::move(name));
      E(id).constraint.values.push_back(value);
    } while (Accept(","));
    Expect("}", "'}' closing the enum (or ',' for another value)");
    return id;
  }

  void ResolveRuleRefs() {
    for (auto& e : g_.exprs) {
      if (e.kind != ExprKind::kRuleRef) continue;
      auto it = g_.rule_index.find(e.rule_name);
      if (it == g_.rule_index.end()) {
        diags_.Error(e.pos, fmt::format("undefined rule '{}'", e.rule_name));
      } else {
        e.rule = it->second;
      }
    }
    if (start_token_.kind == TokenKind::kIdentifier) {
      auto it = g_.rule_index.find(start_token_.text);
      if (it == g_.rule_index.end()) {
        diags_.Error(start_token_.pos, fmt::format("start rule '{}' is not defined", start_token_.text));
      } else {
        g_.start = it->second;
      }
    } else if (!g_.rules.empty()) {
      g_.start = 0;  // the first rule, when no 'start' is given
    }
    if (g_.rules.empty() && !diags_.has_errors()) diags_.Error({1, 1}, "the grammar defines no rules");
    ResolveSessions();
  }

  std::vector<Token> tokens_;
  size_t pos_ = 0;
  Grammar& g_;
  DiagnosticList& diags_;
  Token start_token_;
  int nesting_ = 0;
  // While a session is parsed: its connection names, and the index of the
  // `connection` block the steps being read are in (kNone outside).
  std::vector<std::string>* session_connections_ = nullptr;
  uint32_t current_connection_ = kNone;
};

}  // namespace

Grammar ParseGrammar(std::string_view source, std::string_view file, DiagnosticList& diagnostics) {
  Grammar g;
  g.file = std::string(file);
  std::vector<Token> tokens = LexGrammar(source, diagnostics);
  Parser(std::move(tokens), g, diagnostics).Run();
  return g;
}

}  // namespace iotfuzz::grammar
