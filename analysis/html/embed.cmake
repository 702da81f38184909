# Writes OUTPUT, a C++ file defining marketsim::chartjs_source() with the bytes of INPUT
# (Debian's chart.min.js): cmake -DINPUT=... -DOUTPUT=... -P embed.cmake
file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" length)
math(EXPR bytes "${length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
string(REGEX REPLACE "((0x..,){32})" "\\1\n" body "${body}")
file(WRITE "${OUTPUT}" "// Generated from ${INPUT} by analysis/html/embed.cmake; do not edit.\n"
  "#include \"analysis/html/chartjs.h\"\n\nnamespace marketsim {\nnamespace {\n"
  "const unsigned char kChartJs[${bytes}] = {\n${body}\n};\n}  // namespace\n\n"
  "std::string_view chartjs_source() { return {reinterpret_cast<const char*>(kChartJs), sizeof kChartJs}; }\n\n"
  "}  // namespace marketsim\n")
