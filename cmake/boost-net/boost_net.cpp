// The single translation unit that holds Boost.Asio's, Asio SSL's and Boost.Beast's compiled sources.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
