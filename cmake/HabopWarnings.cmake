# Warnings are errors on habop's own targets only; consumers' flags are left alone.
function(habop_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wno-missing-field-initializers)
endfunction()
