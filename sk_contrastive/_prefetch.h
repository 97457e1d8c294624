/* Software prefetch, portable: a no-op where the compiler has no intrinsic. */
#ifndef SK_CONTRASTIVE_PREFETCH_H
#define SK_CONTRASTIVE_PREFETCH_H

#if defined(__GNUC__) || defined(__clang__)
#define prefetch_read(address) __builtin_prefetch((const void *)(address), 0, 3)
#define prefetch_write(address) __builtin_prefetch((const void *)(address), 1, 3)
#elif defined(_MSC_VER) && (defined(_M_X64) || defined(_M_IX86))
#include <xmmintrin.h>
#define prefetch_read(address) _mm_prefetch((const char *)(address), _MM_HINT_T0)
#define prefetch_write(address) _mm_prefetch((const char *)(address), _MM_HINT_T0)
#else
#define prefetch_read(address) ((void)(address))
#define prefetch_write(address) ((void)(address))
#endif

#endif
