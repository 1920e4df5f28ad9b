package org.percpudefer.defer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import org.percpudefer.cpu.CallSingleData;

/**
 * A cross-thread object pool built on the defer lists: the kernel's skb recycling, for any Java object.
 * Each long-lived thread that acquires objects registers as an {@link Owner}; an object remembers its
 * owner, and a release on another owner sends it home on the owner's defer list, in the variant chosen
 * ({@code PER_CPU_LOCKED}, {@code PER_CPU_LLIST} or {@code BATCHED}), where the owner finds it when its
 * local cache runs dry.
 *
 * <pre>{@code
 * DeferPool<Buffer> pool = DeferPool.builder(Buffer::new).build();
 * DeferPool.Owner<Buffer> me = pool.register(loop::wakeup);   // on the event loop's thread
 * Buffer b = me.acquire();                                     // no atomic, no ThreadLocal
 * // ... hand b to a worker, which registered too and calls:  worker.release(b);  (b goes home)
 * me.close();                                                  // when the loop's thread ends
 * DeferPool.Stats s = pool.close();                            // every object accounted for
 * }</pre>
 *
 * <h2>Rules</h2>
 * <ul>
 *   <li>{@link Owner#acquire()} takes from the owner's cache (no atomic operation), then from its defer
 *       list (one lock or one xchg for everything waiting), then from the factory.</li>
 *   <li>{@link Owner#release(Pooled)} of the owner's own object puts it in the cache (no atomic
 *       operation), or gives it to the garbage collector when the cache is full. Another owner's object
 *       goes home on that owner's defer list; if the list is full ({@code deferMax}) or its owner is gone,
 *       it is kept in the releasing owner's cache ({@link WhenFull#KEEP}, from then on owned here) or
 *       given to the garbage collector ({@link WhenFull#DROP}, the default).</li>
 *   <li>A thread that did not register ({@link #acquire()} / {@link #release(Pooled)} without an owner,
 *       found through a {@code ThreadLocal}): acquire makes a new object, release gives it to the
 *       garbage collector. Such an object, released on an owner, has no home to go to: it is treated as
 *       one whose owner is gone ({@link WhenFull}). Register every long-lived thread that acquires or
 *       releases.</li>
 *   <li>When an owner's list reaches {@code deferMax / 2} the releasing thread runs the owner's kick
 *       callback (at most one kick in flight per owner, as the kernel's IPI), so an owner that sleeps can
 *       be woken to call {@link Owner#drain()}. A callback that throws is reported to that thread's
 *       uncaught-exception handler; the release goes on.</li>
 *   <li>Errors: releasing an object twice ({@link IllegalStateException}, exact between two releasing
 *       threads, which race with cmpxchg; on the owner a plain check catches a repeated release),
 *       releasing an object of another pool ({@link IllegalArgumentException}), using a pool after
 *       {@link #close()} or an owner after its {@link Owner#close()} ({@link IllegalStateException}; the
 *       use must happen-after the close, as the contract of {@link #close()} has it). All on by default:
 *       an owner's own acquire and release check with three compares and no atomic operation, and cost
 *       no more than Netty's unchecked recycler (bench/RESULTS.md, {@code PoolBenchmark.same}).</li>
 *   <li>An owner whose thread ends: call {@link Owner#close()} on it first; its cache and list go to
 *       the garbage collector, and releases to it afterwards too (they find it offline). Its slot is then
 *       free for another thread. A thread that ended without closing its owner keeps its slot until
 *       {@link #register} finds it dead and takes the slot over (the objects go to the garbage collector);
 *       at most {@code deferMax} objects wait on its list meanwhile.</li>
 *   <li>{@link #close()}, once no thread uses the pool any more, accounts for every object the factory
 *       made: dropped to the garbage collector, cached, in flight on a defer list, or still out. A pool
 *       dropped without it is collected like any object, with its caches and lists: the threads that
 *       registered do not keep it alive.</li>
 * </ul>
 *
 * @param <T> the pooled type
 */
public final class DeferPool<T extends Pooled> {

    /** What a release does with an object whose owner's list is full or whose owner is gone. */
    public enum WhenFull {
        /** Give it to the garbage collector. */
        DROP,
        /** Keep it in the releasing owner's cache if it has room (it is owned there from then on). */
        KEEP
    }

    /** Default most owners. */
    public static final int DEFAULT_MAX_OWNERS = 64;
    /** Default objects an owner's cache holds. */
    public static final int DEFAULT_CACHE = 256;

    private static final VarHandle CLOSED;

    static {
        try {
            CLOSED = MethodHandles.lookup().findVarHandle(DeferPool.class, "closed", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Supplier<? extends T> factory;
    private final int cacheSize;
    private final WhenFull whenFull;
    private final Slot[] slots;
    private final DeferLists<T> lists;
    /**
     * The calling thread's owner, for the paths without an owner handle ({@link #acquire()},
     * {@link #release}). Held weakly: an {@link Owner} references its pool, which references this
     * ThreadLocal, so a strong value would keep its own key reachable, and the pool (caches, lists, their
     * objects) alive in every registered thread's map for the thread's life. Weakly held, a pool nothing
     * else references is collected and its entries expunged; while it lives, its slots hold each owner.
     */
    private final ThreadLocal<WeakReference<Owner<T>>> owners = new ThreadLocal<>();
    private final AtomicLong guestCreated = new AtomicLong();
    private final AtomicLong guestDropped = new AtomicLong();
    /** WRITE_ONCE by close(); READ_ONCE by every operation, which then refuses. */
    @SuppressWarnings("unused") // CLOSED
    private boolean closed;
    /** Objects freed by close()'s drain: in flight at close. Closing thread only. */
    private long drained;
    /**
     * The thread retiring a slot or closing the pool, while it empties defer lists: the objects it frees
     * are dropped or counted, not cached. Read by every reclaim, compared with the current thread.
     */
    private volatile Thread drainer;
    /** The slot a retiring drainer empties; the drainer's own (written and read on its thread). */
    private int retiring;

    private DeferPool(Builder<T> b) {
        this.factory = b.factory;
        this.cacheSize = b.cacheSize;
        this.whenFull = b.whenFull;
        this.slots = new Slot[b.maxOwners];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new Slot();
        }
        this.lists = DeferLists.create(new OwnerHomes(), 1, b.variant, b.lock, this::reclaim);
        lists.setDeferMax(b.deferMax < 0 ? b.cacheSize : b.deferMax);
    }

    /**
     * @param factory makes a new object when none is free; it must return a new object each time
     * @param <T>     the pooled type
     * @return a builder with the defaults
     */
    public static <T extends Pooled> Builder<T> builder(Supplier<? extends T> factory) {
        return new Builder<>(Objects.requireNonNull(factory, "factory"));
    }

    /**
     * Registers the calling thread as an owner.
     *
     * @param kick run by a releasing thread when this owner's list is half full and no kick is in flight:
     *             make the owner call {@link Owner#drain()} soon (wake its event loop); it must not block.
     *             If it throws a {@link RuntimeException} (an event loop shut down), the exception goes to
     *             the kicking thread's uncaught-exception handler, and the release or close that ran the
     *             kick completes all the same
     * @return the owner; use it on this thread only
     * @throws IllegalStateException if this thread is already an owner, every slot is taken, or the pool
     *                               is closed
     */
    public Owner<T> register(Runnable kick) {
        Objects.requireNonNull(kick, "kick");
        checkOpen();
        if (ownerHere() != null) {
            throw new IllegalStateException("thread '" + Thread.currentThread().getName() + "' is already an owner of this pool");
        }
        synchronized (slots) {
            // again under the monitor: a close that began meanwhile has nulled every owner but ours (jcstress
            // PoolOwnerRaces.UseAfterClose; without the monitor, PoolOwnerRaces.UseAfterCloseWithoutMonitor)
            checkOpen();
            for (int i = 0; i < slots.length; i++) {
                Slot s = slots[i];
                if (s.thread != null && !s.thread.isAlive()) {
                    retire(i); // its thread ended without closing: isAlive() == false orders its last writes before ours
                }
                if (s.thread == null) {
                    if (s.cache == null) { // made for the slot's first owner and kept: maxOwners is a bound, not a cost
                        s.cache = new Object[cacheSize];
                    }
                    s.thread = Thread.currentThread();
                    s.kick = kick;
                    s.setOnlineRelease(true); // pairs with onlineAcquire: kick and thread above are visible with it
                    Owner<T> o = new Owner<>(this, i);
                    s.owner = o;
                    owners.set(new WeakReference<>(o));
                    return o;
                }
            }
        }
        throw new IllegalStateException("all " + slots.length + " owner slots are taken (allowed: maxOwners; close an owner first)");
    }

    /**
     * Acquires on the calling thread: through its owner if it registered, else a new object.
     *
     * @return an object in use
     * @throws IllegalStateException if the pool is closed
     */
    public T acquire() {
        Owner<T> o = ownerHere();
        if (o != null) {
            return o.acquire();
        }
        checkOpen();
        T obj = make();
        guestCreated.incrementAndGet();
        obj.setHolderOnce(Pooled.GUEST);
        return obj;
    }

    /**
     * Releases on the calling thread: through its owner if it registered, else to the garbage collector.
     *
     * @param obj an object of this pool, in use
     * @throws IllegalArgumentException if it belongs to another pool
     * @throws IllegalStateException    if it is not in use (released twice) or the pool is closed
     */
    public void release(T obj) {
        Owner<T> o = ownerHere();
        if (o != null) {
            o.release(obj);
            return;
        }
        checkOpen();
        int holder = checkHeld(obj);
        if (!obj.cmpxchgRelease(holder)) {
            throw doubleRelease(obj);
        }
        guestDropped.incrementAndGet();
    }

    /**
     * Closes the pool and accounts for every object. Call it once no thread uses the pool any more: it
     * reads the owners' caches and counters, and frees what is still on a defer list.
     *
     * @return where every object the factory made is
     */
    public synchronized Stats close() {
        CLOSED.setOpaque(this, true);
        synchronized (slots) { // against register: it re-checks closed under this monitor (jcstress PoolOwnerRaces.UseAfterClose)
            for (Slot s : slots) {
                if (s.owner != null) {
                    s.owner.setThread(null); // its next use finds the pool closed
                }
            }
        }
        long created = guestCreated.get();
        long dropped = guestDropped.get();
        long cached = 0;
        for (Slot s : slots) {
            created += s.created;
            dropped += s.dropped;
            cached += s.size;
        }
        drainer = Thread.currentThread();
        try {
            lists.drain();
        } finally {
            drainer = null;
        }
        long inFlight = drained;
        return new Stats(created, dropped, cached, inFlight, created - dropped - cached - inFlight);
    }

    /**
     * Where the objects are, at {@link #close()}.
     *
     * @param created     objects the factory made
     * @param dropped     objects given to the garbage collector by a release (cache or list full, owner
     *                    gone, unregistered thread, owner closed)
     * @param cached      objects in the owners' caches
     * @param inFlight    objects on a defer list, on their way home
     * @param outstanding objects acquired and not released: {@code created - dropped - cached - inFlight}
     */
    public record Stats(long created, long dropped, long cached, long inFlight, long outstanding) {
    }

    /** @return the lists' counters per owner slot (deferred, flushed, kicks, ...), a snapshot */
    public java.util.List<DeferStats> deferStats() {
        return lists.stats();
    }

    /** The defer lists under the pool: for the jcstress tests in this package (their kick flags and counts). */
    DeferLists<T> lists() {
        return lists;
    }

    /**
     * An owner: a registered thread's handle, for that thread only. No {@code ThreadLocal} on its paths.
     *
     * @param <T> the pooled type
     */
    public static final class Owner<T extends Pooled> implements AutoCloseable {
        private final DeferPool<T> pool;
        private final int index;
        /** What {@link Pooled}'s holder says while this owner's slot holds an object: index + 1. */
        private final int tag;
        private final Slot slot;
        /**
         * The registering thread while the owner and its pool are open, else null: one compare checks
         * the caller, the owner and the pool. Plain: written by this thread at its close, or by the pool's
         * close, which the contract orders before any later use (a use that happens-after the close sees
         * null and throws; one racing it is the caller's bug, caught at best).
         */
        private Thread thread = Thread.currentThread();
        /** This thread only: close() ran. */
        private boolean closed;

        Owner(DeferPool<T> pool, int index) {
            this.pool = pool;
            this.index = index;
            this.tag = index + 1;
            this.slot = pool.slots[index];
        }

        /**
         * @return an object in use: from the cache, else from what came home, else new
         * @throws IllegalStateException if this owner or the pool is closed, or the caller is not the owner's thread
         */
        public T acquire() {
            check();
            T obj = slot.pop(); // what is cached or comes home is ours already (allocCpu == index)
            if (obj == null) {
                obj = refill();
            }
            obj.holder = tag; // plain: no other thread reads it until the user's hand-off publishes it
            return obj;
        }

        /** The cache is empty: take what came home, else make one. */
        private T refill() {
            drain();
            T obj = slot.pop();
            if (obj == null) {
                obj = pool.make();
                obj.allocatedOn(index);
                slot.created++;
            }
            return obj;
        }

        /**
         * @param obj an object of this pool, in use
         * @throws IllegalArgumentException if it belongs to another pool
         * @throws IllegalStateException    if it is not in use (released twice), this owner or the pool is
         *                                  closed, or the caller is not the owner's thread
         */
        public void release(T obj) {
            check();
            if (Objects.requireNonNull(obj, "obj").holder == tag && obj.pool == pool) { // ours, in use: no atomic
                obj.holder = Pooled.FREE; // plain: see Pooled.holder
                if (!slot.push(obj)) {
                    slot.dropped++;
                }
                return;
            }
            releaseElsewhere(obj);
        }

        /** Not acquired here: another owner's (it goes home), a guest, or an error. */
        private void releaseElsewhere(T obj) {
            int holder = pool.checkHeld(obj);
            if (!obj.cmpxchgRelease(holder)) { // of two releasing threads, one wins
                throw doubleRelease(obj);
            }
            obj.releasedBy = index; // for the reclaimer, if the object is freed right here
            pool.lists.defer(index, obj);
        }

        /**
         * Takes home everything released to this owner by other threads (call it after a kick); and for
         * {@code BATCHED}, hands this owner's outgoing batches over.
         *
         * @return objects moved
         */
        public int drain() {
            check();
            SoftnetData sd = pool.lists.softnet[index];
            // READ_ONCE: a kick in flight; ipiHandled clears it (smp_store_release) then smp_mb, before
            // the flush's lockless look at the list, against a releaser's push-then-kick (store buffering:
            // jcstress PoolLostKick, weakened PoolLostKick.WithoutBarrier)
            if (sd.ipiScheduledOnce() != 0) {
                pool.lists.ipiHandled(index); // the next kick may run: before we look at the list
            }
            return pool.lists.flushOn(index);
        }

        /** @return objects in this owner's cache */
        public int cached() {
            return slot.size;
        }

        /**
         * Retires this owner, on its thread, before the thread ends: its cache and what waits on its list
         * go to the garbage collector, and its slot is free for another thread.
         */
        @Override
        public void close() {
            if (closed) {
                return;
            }
            check();
            closed = true;
            setThread(null);
            pool.owners.remove();
            synchronized (pool.slots) {
                pool.retire(index);
            }
        }

        private void check() {
            if (Thread.currentThread() != thread) {
                misuse();
            }
        }

        void setThread(Thread t) {
            thread = t;
        }

        /** @return this owner's slot number, its objects' {@code allocCpu}: for the jcstress tests in this package */
        int index() {
            return index;
        }

        private void misuse() {
            if (closed) {
                throw new IllegalStateException("owner " + index + " is closed");
            }
            pool.checkOpen();
            throw new IllegalStateException("owner " + index + " used on thread '" + Thread.currentThread().getName()
                    + "': an owner belongs to the thread that registered it");
        }
    }

    /**
     * Builds a pool.
     *
     * @param <T> the pooled type
     */
    public static final class Builder<T extends Pooled> {
        private final Supplier<? extends T> factory;
        private int maxOwners = DEFAULT_MAX_OWNERS;
        private int cacheSize = DEFAULT_CACHE;
        private int deferMax = -1; // unset: the cache size
        private WhenFull whenFull = WhenFull.DROP;
        private DeferVariant variant = DeferVariant.PER_CPU_LOCKED;
        private LockKind lock = LockKind.TTAS;

        Builder(Supplier<? extends T> factory) {
            this.factory = factory;
        }

        /**
         * @param n most owners at once, {@code 1..65536}. A bound more than a cost: a slot's cache is made
         *          when an owner first registers in it, and an unused slot costs about 1.2 KB (its padded
         *          state and defer list; measured at 65536 slots, JDK 17). {@code BATCHED} adds, for each
         *          owner that releases elsewhere, about 8 bytes per slot (its batches' index) and a small
         *          batch per owner it releases towards.
         * @return this builder
         */
        public Builder<T> maxOwners(int n) {
            maxOwners = range("maxOwners", n, 1, 1 << 16);
            return this;
        }

        /** @param n objects an owner's cache holds, {@code 0..1048576} @return this builder */
        public Builder<T> cacheSize(int n) {
            cacheSize = range("cacheSize", n, 0, 1 << 20);
            return this;
        }

        /**
         * @param n objects an owner's defer list holds, {@code 0..}; 0 sends nothing home. Default: the cache
         *          size. An object waiting on the list costs no more memory than a cached one, and a list
         *          that holds every object in flight towards its owner never drops one (a drop costs an
         *          allocation later); a smaller list kicks its owner sooner ({@code deferMax / 2}).
         * @return this builder
         */
        public Builder<T> deferMax(int n) {
            deferMax = range("deferMax", n, 0, Integer.MAX_VALUE);
            return this;
        }

        /** @param policy what a release does when the owner's list is full or the owner is gone @return this builder */
        public Builder<T> whenFull(WhenFull policy) {
            whenFull = Objects.requireNonNull(policy, "whenFull");
            return this;
        }

        /**
         * @param v {@code PER_CPU_LOCKED}, {@code PER_CPU_LLIST} or {@code BATCHED}
         * @param kind the lock of the locked variants
         * @return this builder
         * @throws IllegalArgumentException for the other variants, which do not send objects home
         */
        public Builder<T> variant(DeferVariant v, LockKind kind) {
            Objects.requireNonNull(v, "variant");
            Objects.requireNonNull(kind, "lock"); // before any change: a call that throws leaves the builder as it was
            if (v != DeferVariant.PER_CPU_LOCKED && v != DeferVariant.PER_CPU_LLIST && v != DeferVariant.BATCHED) {
                throw new IllegalArgumentException("variant " + v
                        + " does not send objects home (allowed: PER_CPU_LOCKED, PER_CPU_LLIST, BATCHED)");
            }
            variant = v;
            lock = kind;
            return this;
        }

        /** @return the pool */
        public DeferPool<T> build() {
            return new DeferPool<>(this);
        }

        private static int range(String what, int n, int min, int max) {
            if (n < min || n > max) {
                throw new IllegalArgumentException(what + " " + n + " is out of range (allowed: " + min + ".." + max + ")");
            }
            return n;
        }
    }

    // ---------------------------------------------------------------- internals

    /** One owner's state. The cache and counters belong to the owner's thread. */
    static final class Slot {
        private static final VarHandle ONLINE;

        static {
            try {
                ONLINE = MethodHandles.lookup().findVarHandle(Slot.class, "online", boolean.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        long p01, p02, p03, p04, p05, p06, p07;
        /** Guarded by the slots' monitor; read by the owner's own checks. */
        volatile Thread thread;
        /** The registered owner, or null. Guarded by the slots' monitor. */
        Owner<?> owner;
        Runnable kick;
        /** Made at the slot's first registration (under the slots' monitor), kept for its later owners. */
        Object[] cache;
        int size;
        long created;
        long dropped;
        /** smp_store_release by register/retire; smp_load_acquire by releasing threads ({@link #onlineAcquire}). */
        @SuppressWarnings("unused") // ONLINE
        private boolean online;
        long p11, p12, p13, p14, p15, p16, p17;

        @SuppressWarnings("unchecked") // only T is cached
        <T> T pop() {
            if (size == 0) {
                return null;
            }
            return (T) cache[--size]; // the slot keeps its reference: see push
        }

        /*
         * A slot above size keeps the object it last held: an owner that acquires and releases the same
         * object finds it still there and stores nothing. A reference store into the cache (a long-lived
         * array) costs G1's post-write barrier, a StoreLoad fence when the card is not young: half the
         * speed of PoolBenchmark.same at 64 KB, where the pool's objects are old, until the cache stopped
         * storing what it already holds. The cost: at most cacheSize objects per owner stay reachable
         * after they left the pool, the bound of a full cache; retire() clears the slots.
         */
        boolean push(Object obj) {
            int n = size;
            Object[] c = cache;
            if (n == c.length) {
                return false;
            }
            if (c[n] != obj) {
                c[n] = obj;
            }
            size = n + 1;
            return true;
        }

        /**
         * smp_load_acquire: pairs with register's release store, so a releasing thread that sees the slot
         * online also sees its kick callback (a plain field written before it). An opaque read here (until
         * 2026-11-26) paired with nothing: a releaser could see the slot online and its kick still null,
         * and skip the kick (the objects then waited for the owner's cache to run dry). Covered by jcstress
         * PoolLostKick (a kick skipped for a null callback reads as its FORBIDDEN lost kick).
         */
        boolean onlineAcquire() {
            return (boolean) ONLINE.getAcquire(this);
        }

        void setOnlineRelease(boolean v) {
            ONLINE.setRelease(this, v);
        }
    }

    private T make() {
        T obj = factory.get();
        if (obj == null || obj.pool != null) {
            String what = obj == null ? "null" : obj.pool == this ? "an object it returned before" : "an object of another pool";
            throw new IllegalStateException("the factory returned " + what + " (allowed: a new object each time)");
        }
        obj.pool = this;
        return obj;
    }

    /** Frees the slot: its objects go to the garbage collector. Under the slots' monitor. */
    private void retire(int i) {
        Slot s = slots[i];
        s.setOnlineRelease(false); // releasing threads now free locally instead of pushing here
        retiring = i;
        drainer = Thread.currentThread(); // objects flushed now are dropped, not cached
        try {
            lists.flushOn(i);
        } finally {
            drainer = null;
        }
        while (s.pop() != null) {
            s.dropped++;
        }
        java.util.Arrays.fill(s.cache, null); // what the slots still reference goes to the garbage collector
        // The callback goes first, then the flag. A kick the retiring owner never handled dies with it: the
        // slot's next owner must get its own (smp_store_release, as ipiHandled; pairs with the next kick's
        // cmpxchg). A release whose cmpxchg reads this clear therefore sees the callback null (or the next
        // owner's) and resets the flag (OFFLINE). Nulled after the clear, as until 2026-12-07, a racing
        // release could take the cleared flag, still run the old callback, and leave the flag set for the
        // next owner: its kicks lost until it drained by itself (jcstress PoolLostKick.KickVsRetire). A
        // release whose cmpxchg came before the clear may still run the old callback: a spare, harmless.
        s.kick = null;
        lists.softnet[i].setIpiScheduledRelease(0);
        if (s.owner != null) {
            s.owner.setThread(null); // a dead thread's owner, if anyone still holds it
        }
        s.owner = null;
        s.thread = null;
    }

    /**
     * The lists' reclaimer: an object home from the list (flushed by its owner), or freed on the
     * releasing owner because the list was full or the owner gone, or drained at close.
     */
    private void reclaim(T obj) {
        if (drainer == Thread.currentThread()) {
            if (isClosed()) {
                drained++;
            } else {
                // Counted on the retiring slot, which no other thread writes now. Not on the object's home:
                // BATCHED's retire hands the retiring owner's batches to live owners, and what does not fit
                // is freed here while those owners count their own drops (until 2026-12-08, a lost update:
                // jcstress PoolRetireCount).
                slots[retiring].dropped++;
            }
            return;
        }
        int home = obj.allocCpu();
        // home is -1 for an object an unregistered thread acquired (or out of range, set by allocatedOn):
        // it has no owner to go to, and falls back on the releasing owner like one whose owner is gone
        Slot s = home >= 0 && home < slots.length ? slots[home] : null;
        if (s != null && s.thread == Thread.currentThread()) { // flushed at home
            if (!s.push(obj)) {
                s.dropped++;
            }
            return;
        }
        Slot here = slots[obj.releasedBy]; // a local fallback on the releasing owner
        if (whenFull == WhenFull.KEEP && here.push(obj)) {
            obj.allocatedOn(obj.releasedBy);
        } else {
            here.dropped++;
        }
    }

    /** @return the calling thread's owner of this pool, or null */
    private Owner<T> ownerHere() {
        WeakReference<Owner<T>> r = owners.get();
        return r == null ? null : r.get();
    }

    private void checkOpen() {
        if (isClosed()) {
            throw new IllegalStateException("the pool is closed");
        }
    }

    private boolean isClosed() {
        return (boolean) CLOSED.getOpaque(this);
    }

    /**
     * A release not by the holder: the object must be this pool's and in use.
     *
     * @return its holder, for the release's cmpxchg
     */
    private int checkHeld(Pooled obj) {
        Objects.requireNonNull(obj, "obj");
        if (obj.pool != this) {
            throw new IllegalArgumentException("object " + obj + " belongs to " + (obj.pool == null ? "no pool" : "another pool")
                    + " (allowed: objects acquired from this pool)");
        }
        int holder = obj.holderOnce();
        if (holder == Pooled.FREE) {
            throw doubleRelease(obj);
        }
        return holder;
    }

    private static IllegalStateException doubleRelease(Pooled obj) {
        return new IllegalStateException("object " + obj + " released twice (it is not in use)");
    }

    /** The owners as the defer lists' homes. */
    private final class OwnerHomes extends Homes {
        @Override
        int count() {
            return slots.length;
        }

        @Override
        int node(int home) {
            return 0;
        }

        @Override
        boolean online(int home) {
            return slots[home].onlineAcquire();
        }

        @Override
        void check(int home) {
            if (home < 0 || home >= slots.length) {
                throw new IllegalArgumentException("owner " + home + " is out of range (allowed: 0.." + (slots.length - 1) + ")");
            }
        }

        @Override
        int kick(int home, CallSingleData csd) {
            Runnable k = slots[home].kick;
            if (k == null || isClosed()) { // retired; or the pool's close, which takes every list home itself
                return CallSingleData.OFFLINE;
            }
            try {
                k.run();
            } catch (RuntimeException e) {
                // Reported, not thrown: the release (or close) that kicks has done its work, the object is on
                // the list. Thrown, it told the releasing thread its release failed (a retry was a double
                // release), and stopped an owner's close halfway, its slot still taken. Not sent: the flag
                // is cleared, so a later release may kick again.
                Thread t = Thread.currentThread();
                t.getUncaughtExceptionHandler().uncaughtException(t, e);
                return CallSingleData.OFFLINE;
            }
            return CallSingleData.SENT;
        }

        @Override
        void wake(int home) {
            // An owner finds its list when its cache runs dry, or on a kick: no wakeup per first push.
        }

        @Override
        boolean quiet() {
            return isClosed();
        }

        @Override
        int current(String what) {
            Owner<T> o = ownerHere();
            if (o == null) {
                throw new IllegalStateException(what + " on a thread that is no owner of this pool");
            }
            return o.index;
        }
    }
}
