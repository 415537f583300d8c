#ifndef CONSDB_CLIBPQ_SHIM_H
#define CONSDB_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
