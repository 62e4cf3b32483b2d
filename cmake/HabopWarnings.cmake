# Warnings are errors on habop's own targets only; consumers' flags are left alone.
function(habop_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wno-missing-field-initializers)
  # g++ 12 at -O3 reports -Wrestrict on std::string concatenation that cannot overlap (GCC bug 105651), so a
  # Release build would fail on correct code; the warning stays on for every other compiler and version.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
endfunction()
