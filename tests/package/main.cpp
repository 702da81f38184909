// Loads a scenario with the installed library and prints its name.
#include <iostream>

#include "scenarios/scenario.h"
#include "sim/error.h"

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  try {
    const marketsim::Scenario sc = marketsim::load_scenario(argv[1]);
    std::cout << sc.name << " " << sc.market.products() << "\n";
  } catch (const marketsim::Error& e) {
    std::cerr << e.what() << "\n";
    return 2;
  }
  return 0;
}
