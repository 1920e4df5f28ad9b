/**
 * The one vocabulary for memory ordering in percpu-defer: the Linux kernel memory model's (LKMM) words,
 * each mapped once onto a {@link java.lang.invoke.VarHandle} access mode, and used by name everywhere
 * an ordering matters.
 *
 * <p>Every field that is read or written by more than one thread is reached through a {@code VarHandle}
 * (never {@code sun.misc.Unsafe}), and every access to it goes through a private accessor whose name says
 * its ordering, so that {@code softnet.deferCountOnce()} reads like the kernel's
 * {@code READ_ONCE(sd->defer_count)}. The suffixes and prefixes are:
 *
 * <table class="striped">
 *   <caption>Kernel primitive, our accessor name, the VarHandle mode, and why</caption>
 *   <thead>
 *     <tr><th>kernel (LKMM)</th><th>our name</th><th>VarHandle mode</th><th>why this mode</th></tr>
 *   </thead>
 *   <tbody>
 *     <tr><td>{@code READ_ONCE(x)}, {@code atomic_read(&x)}</td><td>{@code xOnce()}</td>
 *         <td>{@code getOpaque}</td>
 *         <td>READ_ONCE promises no tearing, no fusing or invention of loads, and per-location coherence,
 *             and nothing about other locations. Opaque gives exactly that: bitwise atomic (for
 *             {@code long} too), coherent per variable, never hoisted out of a loop. A plain Java read
 *             may be hoisted or read a stale value forever; acquire would add an ordering the kernel
 *             does not ask for.</td></tr>
 *     <tr><td>{@code WRITE_ONCE(x, v)}, {@code atomic_set(&x, v)}</td><td>{@code setXOnce(v)}</td>
 *         <td>{@code setOpaque}</td>
 *         <td>The store side of the above. {@code atomic_set} is unordered in the LKMM, so it maps here
 *             too.</td></tr>
 *     <tr><td>{@code smp_load_acquire(&x)}</td><td>{@code xAcquire()}</td><td>{@code getAcquire}</td>
 *         <td>Same meaning: no later load or store moves before it. Pairs with a release store to the
 *             same variable (message passing).</td></tr>
 *     <tr><td>{@code smp_store_release(&x, v)}</td><td>{@code setXRelease(v)}</td>
 *         <td>{@code setRelease}</td>
 *         <td>Same meaning: no earlier load or store moves after it. Pairs with an acquire load.</td></tr>
 *     <tr><td>{@code smp_store_mb(x, v)}</td><td>{@code setXVolatile(v)}</td><td>{@code setVolatile}</td>
 *         <td>A store followed by a full barrier. A volatile store is a release store that no later
 *             volatile load passes; where the later load is not volatile we add
 *             {@link org.percpudefer.ordering.Barriers#smpMb()} explicitly.</td></tr>
 *     <tr><td>{@code smp_mb()}</td><td>{@link org.percpudefer.ordering.Barriers#smpMb()}</td>
 *         <td>{@link java.lang.invoke.VarHandle#fullFence()}</td>
 *         <td>Orders every earlier access before every later one, store-to-load included: what store
 *             buffering (SB) needs.</td></tr>
 *     <tr><td>{@code smp_wmb()}, {@code smp_rmb()}</td>
 *         <td>{@link org.percpudefer.ordering.Barriers#smpWmb()},
 *             {@link org.percpudefer.ordering.Barriers#smpRmb()}</td>
 *         <td>{@code releaseFence}, {@code acquireFence}</td>
 *         <td>The JDK's closest fences. They are a little stronger than the kernel's (each also orders
 *             loads before stores, or loads before stores after), which is allowed.</td></tr>
 *     <tr><td>{@code cmpxchg(&x, old, new)}</td><td>{@code cmpxchgX(old, new)}</td>
 *         <td>{@code compareAndSet} (volatile)</td>
 *         <td>A successful cmpxchg is fully ordered in the LKMM; a volatile CAS is sequentially
 *             consistent, which is at least that. The LKMM leaves a <em>failed</em> cmpxchg unordered;
 *             Java gives the failed CAS only volatile-read semantics (HotSpot's locked cmpxchg is a full
 *             fence even then, but the JMM does not promise it). Code that needs ordering from a cmpxchg
 *             that may fail says so and adds {@code smp_mb()} itself, as the kernel would
 *             ({@code DeferLists.kick}). Our accessor returns whether it succeeded
 *             ({@code try_cmpxchg}'s shape).</td></tr>
 *     <tr><td>{@code xchg(&x, v)}</td><td>{@code xchgX(v)}</td><td>{@code getAndSet} (volatile)</td>
 *         <td>Fully ordered value-returning atomic in both models.</td></tr>
 *     <tr><td>{@code atomic_inc_return(&x)}</td><td>{@code incReturnX()}</td>
 *         <td>{@code getAndAdd(1) + 1} (volatile)</td>
 *         <td>Fully ordered value-returning atomic in both models.</td></tr>
 *     <tr><td>{@code atomic_add(n, &x)}, {@code atomic_sub(n, &x)}</td><td>{@code addX(n)}, {@code subX(n)}</td>
 *         <td>{@code getAndAdd} (volatile)</td>
 *         <td>The LKMM leaves non-value-returning atomics unordered; the JDK has no unordered atomic add, so
 *             ours are stronger than needed, and no code relies on the difference.</td></tr>
 *     <tr><td>{@code spin_lock()} / {@code spin_unlock()}</td><td>a lock's {@code lock()} /
 *         {@code unlock()}</td><td>acquire / release (or stronger)</td>
 *         <td>Every lock kind we ship gives at least acquire on lock and release on unlock, as the
 *             kernel's spinlocks do; fields touched only under the lock are plain.
 *             {@link org.percpudefer.ordering.SpinLock} is the kernel's spinlock itself (cmpxchg to take,
 *             release store to drop, waiters spin and never park).</td></tr>
 *     <tr><td>a variable only its owner touches</td><td>plain field</td><td>plain</td>
 *         <td>No other thread reads it, so no ordering is needed; the javadoc of the field says which
 *             thread owns it.</td></tr>
 *   </tbody>
 * </table>
 *
 * <h2>Pairing rules</h2>
 * A release store pairs with an acquire load of the same variable; an opaque access pairs with opaque
 * accesses and orders nothing else; {@code smp_mb()} on both sides is what forbids store buffering. An
 * ordering that does not pair with anything is either a race or a wasted barrier: each one in the code has
 * a comment naming its partner. The goal is that each pairing is covered by a jcstress test of the
 * shipping class in {@code concurrency-tests}, with a deliberately weakened copy that shows what the
 * weaker mode lets through. An audit of 2026-11-26 found about 25 of some 40 decisions not yet covered
 * that way (listed in concurrency-tests/README.md, "Not yet covered"); by 2026-12-07 every one has its
 * test, statistics counters, hints and stop flags included ({@code Sampler.stopping} and
 * {@code RoundTrips.failure} are named but untested: a join and a latch already order what they guard).
 */
package org.percpudefer.ordering;
