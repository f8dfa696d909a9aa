// dg_classifier_databases OUT: compiles the classifier's Hyperscan databases
// and writes them to OUT as a DatabaseBundle (classify/database_bundle.h).
// Run by the build only (src/classify/CMakeLists.txt); not installed.
#include <cstdio>
#include <fstream>
#include <string>

#include "classify/classifier.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: dg_classifier_databases OUT\n");
    return 2;
  }
  auto bundle = dg::PromptClassifier::ExportDatabases();
  if (!bundle.ok()) {
    std::fprintf(stderr, "dg_classifier_databases: %s\n", bundle.status().message().c_str());
    return 1;
  }
  const std::string out = argv[1];
  const std::string tmp = out + ".tmp";
  {
    std::ofstream file(tmp, std::ios::binary | std::ios::trunc);
    file.write(bundle->data(), static_cast<std::streamsize>(bundle->size()));
    if (!file.good()) {
      std::fprintf(stderr, "dg_classifier_databases: cannot write %s\n", tmp.c_str());
      return 1;
    }
  }
  if (std::rename(tmp.c_str(), out.c_str()) != 0) {
    std::fprintf(stderr, "dg_classifier_databases: cannot rename %s to %s\n", tmp.c_str(), out.c_str());
    return 1;
  }
  return 0;
}
