// The one Catch2 main of the framework's tests.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
