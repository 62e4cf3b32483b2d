# Warnings are errors on habop's own targets only; consumers' flags are left alone.
function(habop_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wno-missing-field-initializers)
  # g++ 12 at -O3 reports -Wrestrict on std::string concatenation that cannot overlap (GCC bug 105651), so a
  # Release build would fail on correct code; the warning stays on for every other compiler and version.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
endfunction()

# habop_pch_warnings(target), for a target compiled with a precompiled header: g++ 12 drops the
# `#pragma GCC diagnostic` state of the headers it precompiles, so libstdc++ 12 loses the pragmas with which
# char_traits.h silences g++ 12's false -Warray-bounds/-Wstringop-overflow/-Wstringop-overread reports on std::string
# copies (e.g. `std::string(dir) + "/x"` fails with -Werror). Such a target turns those three off, on g++ < 13 only;
# every other warning is unchanged, and HABOP_PRECOMPILE_HEADERS=OFF (as in tests/consumer) keeps all of them.
function(habop_pch_warnings target)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE -Wno-array-bounds -Wno-stringop-overflow -Wno-stringop-overread)
  endif()
endfunction()
