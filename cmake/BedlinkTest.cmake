# SPDX-License-Identifier: MIT
# The one way tests are registered, so `ctest -L unit` (integration, e2e, fuzz,
# lint) selects a tier.

if(BUILD_TESTING)
	pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET cmocka)
endif()

# bedlink_add_unit_test(NAME SOURCES file.c... LIBS target...)
# Builds tests/unit/NAME as a cmocka binary and registers it with label "unit".
function(bedlink_add_unit_test name)
	cmake_parse_arguments(T "" "" "SOURCES;LIBS" ${ARGN})
	add_executable(${name} ${T_SOURCES})
	target_link_libraries(${name} PRIVATE ${T_LIBS} PkgConfig::CMOCKA)
	add_test(NAME ${name} COMMAND ${name})
	set_tests_properties(${name} PROPERTIES LABELS unit TIMEOUT 120)
endfunction()

# bedlink_add_fuzz(NAME SOURCES file.c... LIBS target...)
# Builds a libFuzzer target and, as a test labelled "fuzz", runs it for
# BEDLINK_FUZZ_SECONDS over its seed corpus tests/fuzz/corpus/NAME. New inputs
# go to a scratch corpus in the build tree, never into the source tree.
function(bedlink_add_fuzz name)
	cmake_parse_arguments(T "" "" "SOURCES;LIBS" ${ARGN})
	if(NOT BEDLINK_FUZZ)
		return()
	endif()
	add_executable(${name} ${T_SOURCES})
	target_compile_options(${name} PRIVATE -fsanitize=fuzzer)
	target_link_options(${name} PRIVATE -fsanitize=fuzzer)
	target_link_libraries(${name} PRIVATE ${T_LIBS})
	set(seeds ${PROJECT_SOURCE_DIR}/tests/fuzz/corpus/${name})
	set(scratch ${CMAKE_BINARY_DIR}/fuzz-corpus/${name})
	file(MAKE_DIRECTORY ${scratch})
	add_test(NAME ${name}
		COMMAND ${name} -max_total_time=${BEDLINK_FUZZ_SECONDS} -timeout=10
			-rss_limit_mb=2048 -print_final_stats=1 ${scratch} ${seeds})
	set_tests_properties(${name} PROPERTIES LABELS fuzz
		TIMEOUT 300 ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
endfunction()
