// A hint to bring memory into the cache before it is read: for loops that visit records in an
// order unrelated to where they lie (the import builds blocks in user order from records kept
// in file order). Header-only; Swift inlines it.
#ifndef APUS_CPREFETCH_H
#define APUS_CPREFETCH_H

static inline void apus_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

#endif
