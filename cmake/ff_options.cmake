# Warnings and sanitizers applied to every target of ours (not to GoogleTest's).
add_library(ff_warnings INTERFACE)
target_compile_options(ff_warnings INTERFACE -Wall -Wextra -Werror -Wno-unknown-pragmas)

if(FF_SANITIZE)
  # Warnings are enforced as errors by the Release build. With the sanitizers' instrumentation
  # g++ 12 reports -Wmaybe-uninitialized false positives (e.g. std::optional<std::string>
  # copies), so here they stay warnings: this build exists for its run-time checks.
  target_compile_options(ff_warnings INTERFACE -Wno-error)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g)
  add_link_options(-fsanitize=address,undefined)
endif()

if(FF_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -g)
  add_link_options(-fsanitize=address,undefined)
endif()
