#ifndef CONSDB_CCURL_SHIM_H
#define CONSDB_CCURL_SHIM_H
#include <curl/curl.h>

// curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call: one typed wrapper each.
static inline CURLcode consdb_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode consdb_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode consdb_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode consdb_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}
typedef size_t (*consdb_curl_write_callback)(char *data, size_t size, size_t count, void *context);
static inline CURLcode consdb_curl_setopt_write_function(CURL *handle, CURLoption option, consdb_curl_write_callback value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode consdb_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}
// Macros Swift cannot import.
static const long consdb_curlauth_basic = (long)CURLAUTH_BASIC;
#endif
