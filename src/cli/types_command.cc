// `leakguard types [ID]`: the info type catalog, as aligned columns, full detail, or JSON.

#include <algorithm>
#include <cctype>
#include <ostream>
#include <string>
#include <vector>

#include "cli/cli.h"
#include "cli/output.h"
#include "extract/inspect.h"

namespace leakguard::cli {
namespace {

Json TypeToJson(const InfoTypeInfo& t) {
  return Json{{"id", t.id},
              {"name", t.name},
              {"category", t.category},
              {"description", t.description},
              {"patterns", t.patterns},
              {"validators", t.validators},
              {"context_words", t.context_words},
              {"context_required", t.context_required},
              {"confidence_rules", t.confidence_rules},
              {"valid_examples", t.valid_examples},
              {"invalid_examples", t.invalid_examples},
              {"builtin", t.builtin},
              {"source", t.source}};
}

std::string Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

// Word-wraps `text` to `width` columns, each line prefixed by `indent` spaces.
std::string Wrap(std::string_view text, std::size_t indent, std::size_t width = 100) {
  std::string out;
  std::string line;
  std::size_t pos = 0;
  auto flush = [&] {
    if (line.empty()) return;
    out.append(indent, ' ');
    out += line;
    out += '\n';
    line.clear();
  };
  while (pos < text.size()) {
    while (pos < text.size() && std::isspace(static_cast<unsigned char>(text[pos]))) ++pos;
    std::size_t end = pos;
    while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end]))) ++end;
    if (end == pos) break;
    std::string_view word = text.substr(pos, end - pos);
    if (!line.empty() && indent + line.size() + 1 + word.size() > width) flush();
    if (!line.empty()) line += ' ';
    line += word;
    pos = end;
  }
  flush();
  return out;
}

std::string Join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += sep;
    out += items[i];
  }
  return out;
}

void PrintList(std::ostream& out, const std::string& title, const std::vector<std::string>& items) {
  out << title << ":\n";
  if (items.empty()) {
    out << "  (none)\n";
    return;
  }
  for (const std::string& item : items) out << "  " << EscapeForTerminal(item) << '\n';
}

void PrintType(std::ostream& out, const InfoTypeInfo& t) {
  out << t.id << " — " << t.name << "\n\n";
  out << "category:   " << t.category << '\n';
  out << "source:     " << (t.source.empty() ? (t.builtin ? "built-in" : "configuration") : t.source) << '\n';
  out << "\ndescription:\n" << Wrap(Trim(t.description), 2);
  out << '\n';
  PrintList(out, "patterns", t.patterns);
  out << "\nvalidators: " << (t.validators.empty() ? "(none)" : Join(t.validators, ", ")) << '\n';
  out << "\ncontext words" << (t.context_required ? " (required)" : "") << ": "
      << (t.context_words.empty() ? "(none)" : Join(t.context_words, ", ")) << '\n';
  if (!Trim(t.confidence_rules).empty()) {
    out << "\nconfidence:\n" << Wrap(Trim(t.confidence_rules), 2);
  }
  out << '\n';
  PrintList(out, "valid examples", t.valid_examples);
  out << '\n';
  PrintList(out, "invalid examples", t.invalid_examples);
}

// The findings content extraction reports (EXTRACTION_LIMIT, ENCRYPTED_CONTENT, UNREADABLE_CONTENT)
// are not engine patterns; they are listed with the catalog so that --types and policies can name them.
std::vector<InfoTypeInfo> ExtractionTypes() {
  std::vector<InfoTypeInfo> out;
  for (const extract::ProblemTypeInfo& p : extract::ProblemTypes()) {
    InfoTypeInfo t;
    t.id = std::string(p.id);
    t.name = std::string(p.name);
    t.category = "extraction";
    t.description = std::string(p.description);
    t.confidence_rules = "Always high: the content could not be inspected (docs/extraction.md).";
    t.source = "builtin:extraction";
    out.push_back(std::move(t));
  }
  return out;
}

const InfoTypeInfo* Lookup(const Engine& engine, std::string_view id) {
  static const std::vector<InfoTypeInfo> extraction = ExtractionTypes();
  for (const InfoTypeInfo& t : extraction) {
    std::string upper(id);
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (t.id == upper) return &t;
  }
  if (const InfoTypeInfo* t = engine.FindType(id)) return t;
  std::string upper(id);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return engine.FindType(upper);
}

}  // namespace

int RunTypes(const TypesArgs& args, std::ostream& out, std::ostream& err) {
  auto engine = Engine::CompileFiles(args.configs, args.include_builtin);
  if (!engine) {
    const Status& s = engine.error();
    PrintError(err, s.message().empty() ? s.ToString() : s.message());
    return kExitError;
  }
  return RunTypes(args, **engine, out, err);
}

int RunTypes(const TypesArgs& args, const Engine& engine, std::ostream& out, std::ostream& err) {
  if (!args.id.empty()) {
    const InfoTypeInfo* t = Lookup(engine, args.id);
    if (t == nullptr) {
      PrintError(err, "unknown info type '" + args.id + "' (run 'leakguard types' to list them)");
      return kExitError;
    }
    if (args.json) {
      out << DumpJson(TypeToJson(*t), 2) << '\n';
    } else {
      PrintType(out, *t);
    }
    return kExitClean;
  }

  std::vector<const InfoTypeInfo*> types;
  for (const InfoTypeInfo& t : engine.types()) types.push_back(&t);
  static const std::vector<InfoTypeInfo> extraction = ExtractionTypes();
  // They belong to the built-in catalog: listed when it is in use.
  const bool builtin = std::any_of(engine.types().begin(), engine.types().end(),
                                   [](const InfoTypeInfo& t) { return t.builtin; });
  if (args.include_builtin && builtin)
    for (const InfoTypeInfo& t : extraction) types.push_back(&t);
  std::sort(types.begin(), types.end(),
            [](const InfoTypeInfo* a, const InfoTypeInfo* b) { return a->id < b->id; });
  if (args.json) {
    Json all = Json::array();
    for (const InfoTypeInfo* t : types) all.push_back(TypeToJson(*t));
    out << DumpJson(all, 2) << '\n';
    return kExitClean;
  }
  std::size_t id_width = 2;
  std::size_t category_width = 8;
  for (const InfoTypeInfo* t : types) {
    id_width = std::max(id_width, t->id.size());
    category_width = std::max(category_width, t->category.size());
  }
  auto row = [&](std::string_view id, std::string_view category, std::string_view name) {
    std::string line(id);
    line.append(id_width - id.size() + 2, ' ');
    line += category;
    line.append(category_width - category.size() + 2, ' ');
    line += name;
    out << line << '\n';
  };
  row("ID", "CATEGORY", "NAME");
  for (const InfoTypeInfo* t : types) row(t->id, t->category, t->name);
  return kExitClean;
}

}  // namespace leakguard::cli
