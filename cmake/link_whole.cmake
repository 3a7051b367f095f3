# sluice_link_whole(TARGET SCOPE LIB...): links sluice's static libraries LIB whole (their op and
# kernel registrations are static initializers nothing references). In the installed package
# the same link names the exported target (sluice::LIB): CMake 3.25 does not rewrite target
# names inside $<LINK_LIBRARY:...> when it exports them.
function(sluice_link_whole target scope)
  foreach(lib ${ARGN})
    target_link_libraries(${target} ${scope}
      "$<BUILD_INTERFACE:$<LINK_LIBRARY:WHOLE_ARCHIVE,${lib}>>"
      "$<INSTALL_INTERFACE:$<LINK_LIBRARY:WHOLE_ARCHIVE,sluice::${lib}>>")
  endforeach()
endfunction()
