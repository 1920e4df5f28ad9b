package org.percpudefer.defer;

/**
 * What freeing an object means to the user of the defer lists: return pages to the page allocator,
 * put a buffer back in its owner's pool. Called exactly once per object handed to
 * {@link DeferLists#attemptDeferFree}, on the CPU that frees it: the allocating CPU when the object was
 * deferred, the calling CPU when it fell back to a local free, or the thread calling
 * {@link DeferLists#drain()} after the machine closed.
 *
 * @param <T> the object type
 */
@FunctionalInterface
public interface Reclaimer<T> {

    /**
     * Frees one object.
     *
     * @param obj the object, with its link cleared
     */
    void free(T obj);
}
