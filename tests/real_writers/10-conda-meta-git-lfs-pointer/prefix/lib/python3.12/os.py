# the standard library
