#include "run.hpp"

int main(int argc, char** argv) { return whyno::cli::run(argc, argv); }
