// greeting-plan FILE: prints the requests the Greeting controller would send for the Greetings in a YAML file
// when nothing exists yet (an offline preview, like `habop render`).
#include <fstream>
#include <iostream>
#include <sstream>

#include <greeting/greeting.hpp>
#include <habop/json/codec.hpp>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: greeting-plan FILE\n";
    return 2;
  }
  std::ifstream in(argv[1]);
  std::stringstream text;
  text << in.rdbuf();
  auto docs = habop::json::parse_yaml_documents(text.str());
  if (!in || !docs) {
    std::cerr << "greeting-plan: " << (docs ? std::string("cannot read ") + argv[1] : habop::describe(docs.error()))
              << "\n";
    return 1;
  }
  for (const auto& doc : *docs) {
    if (!doc.is_object() || doc.as_object().if_contains("kind") == nullptr || doc.at("kind") != "Greeting") continue;
    for (const auto& r : greeting::reconcile(doc.as_object(), std::nullopt, habop::instant{})) {
      std::cout << r.method << " " << r.target() << "\n" << r.body << "\n";
    }
  }
  return 0;
}
