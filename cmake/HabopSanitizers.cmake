# HABOP_SANITIZE=ON builds everything with ASan and UBSan; UB aborts instead of printing and carrying on.
if(HABOP_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
