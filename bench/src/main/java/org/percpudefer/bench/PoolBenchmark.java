package org.percpudefer.bench;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.jctools.queues.atomic.SpscAtomicArrayQueue;
import org.jctools.queues.atomic.MpscAtomicArrayQueue;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.percpudefer.defer.DeferPool;
import org.percpudefer.defer.Pooled;

import io.netty.util.Recycler;

/**
 * The recycler issue's two scenarios, every pool in the same run.
 * <ul>
 *   <li>{@code same}: one thread acquires an object, touches its payload, releases it.</li>
 *   <li>{@code handoff} (a group of two threads): the owner acquires, writes the payload and hands the
 *       object to the consumer through a JCTools SPSC queue; the consumer reads it and releases it, a
 *       remote release (the seed's case). {@code handoffs} counts completed hand-offs.</li>
 * </ul>
 * Pools: {@code DEFER_POOL} (ours, {@code PER_CPU_LOCKED}), {@code DEFER_POOL_WRAPPED} (the same, the object
 * wrapped instead of extending {@code Pooled}), {@code NEW} (the garbage collector), Netty's
 * {@code Recycler} pinned to the owner thread (guarded, and unguarded), a per-owner pool over a JCTools
 * {@code MpscArrayQueue} or an Agrona {@code ManyToOneConcurrentArrayQueue}, a shared
 * {@code ConcurrentLinkedQueue}; and {@code CEILING}, preallocated objects passed with no return
 * path, the hand-off's own cost. The DeferPool's owner drains its list when a kick flagged it, as an
 * event loop woken by the kick would.
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar PoolBenchmark -prof gc}
 */
@State(Scope.Group)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED",
    "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"}) // Agrona's queues use the JDK's Unsafe
public class PoolBenchmark {

    static final int QUEUE = 1024;

    /** The pooled object of every implementation. */
    public static final class Msg extends Pooled {
        final byte[] payload;
        Recycler.Handle<Msg> handle;
        Queue<Msg> home;
        /** DEFER_POOL_WRAPPED: the pooled wrapper that carries this message. */
        Box box;
        long seq;

        Msg(int bytes) {
            payload = bytes == 0 ? null : new byte[bytes];
        }
    }

    /**
     * DEFER_POOL_WRAPPED: the same pool, the user's object wrapped instead of extending {@link Pooled}
     * (the wrapper is what the pool recycles; the message points back at it so a release can find it),
     * to measure the wrapped design against the intrusive one.
     */
    public static final class Box extends Pooled {
        final Msg msg;

        Box(Msg msg) {
            this.msg = msg;
            msg.box = this;
        }
    }

    /** Which pool. */
    public enum Impl { DEFER_POOL, DEFER_POOL_WRAPPED, NEW, NETTY, NETTY_UNGUARDED, JCTOOLS_OWNER_POOL, AGRONA_OWNER_POOL, CLQ, CEILING }

    @Param({"DEFER_POOL", "DEFER_POOL_WRAPPED", "NEW", "NETTY", "NETTY_UNGUARDED", "JCTOOLS_OWNER_POOL", "AGRONA_OWNER_POOL", "CLQ",
        "CEILING"})
    Impl impl;

    @Param({"0", "2048", "65536"})
    int payload;

    /** The DeferPool's variant (the others ignore it): -p poolVariant=PER_CPU_LLIST,BATCHED. */
    @Param({"PER_CPU_LOCKED"})
    org.percpudefer.defer.DeferVariant poolVariant;

    /** The DeferPools' deferMax; -1 (the default) leaves the pool's own default, its cache size. */
    @Param({"-1"})
    int poolDeferMax;

    DeferPool<Msg> deferPool;
    DeferPool<Box> wrappedPool;
    Queue<Msg> ownerPool;
    Recycler<Msg> netty;
    /** CEILING: preallocated objects the owner cycles through, never returned (more than the wire holds). */
    Msg[] ceiling;
    int nextCeiling;
    /** DEFER_POOL: set by the kick (a releasing thread found the owner's list half full), READ_ONCE by the owner. */
    final java.util.concurrent.atomic.AtomicBoolean kicked = new java.util.concurrent.atomic.AtomicBoolean();
    final SpscAtomicArrayQueue<Msg> wire = new SpscAtomicArrayQueue<>(QUEUE);

    @Setup(Level.Trial)
    public void build() {
        // cache and defer list as large as the peers' queues (deferMax defaults to the cache size)
        int deferMax = poolDeferMax < 0 ? QUEUE : poolDeferMax;
        deferPool = DeferPool.builder(() -> new Msg(payload)).cacheSize(QUEUE).deferMax(deferMax)
                .variant(poolVariant, org.percpudefer.defer.LockKind.TTAS).build();
        wrappedPool = DeferPool.builder(() -> new Box(new Msg(payload))).cacheSize(QUEUE).deferMax(deferMax)
                .variant(poolVariant, org.percpudefer.defer.LockKind.TTAS).build();
        ownerPool = switch (impl) {
            case JCTOOLS_OWNER_POOL -> new MpscAtomicArrayQueue<>(QUEUE);
            case AGRONA_OWNER_POOL -> new ManyToOneConcurrentArrayQueue<>(QUEUE);
            case CLQ -> new ConcurrentLinkedQueue<>();
            default -> null;
        };
        ceiling = new Msg[2 * QUEUE];
        for (int i = 0; i < ceiling.length; i++) {
            ceiling[i] = new Msg(payload);
        }
    }

    /**
     * A thread's side: the owner (acquires) or the consumer (releases); both register with the DeferPool.
     * Each side counts the bytes its own thread allocated in the measurement iterations (the JDK's
     * per-thread counter, since JMH's {@code -prof gc} under-reports with two allocating threads) and
     * prints them at the end of the trial, with the hand-offs it completed.
     */
    @State(Scope.Thread)
    public static class Side {
        private static final com.sun.management.ThreadMXBean THREADS =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        DeferPool.Owner<Msg> owner;
        DeferPool.Owner<Box> wrappedOwner;
        long seq;
        long handoffs;
        private long before;
        private long allocated;
        private long measuredHandoffs;
        private long handoffsBefore;

        @Setup(Level.Iteration)
        public void mark() {
            before = THREADS.getCurrentThreadAllocatedBytes();
            handoffsBefore = handoffs;
        }

        @org.openjdk.jmh.annotations.TearDown(Level.Iteration)
        public void count(org.openjdk.jmh.infra.IterationParams it) {
            if (it.getType() == org.openjdk.jmh.runner.IterationType.MEASUREMENT) {
                allocated += THREADS.getCurrentThreadAllocatedBytes() - before;
                measuredHandoffs += handoffs - handoffsBefore;
            }
        }

        @org.openjdk.jmh.annotations.TearDown(Level.Trial)
        public void report() {
            System.out.printf("%n[thread-allocation] %s: %d bytes allocated in the measurement iterations%s%n",
                    Thread.currentThread().getName(), allocated,
                    measuredHandoffs > 0 ? ", " + measuredHandoffs + " hand-offs completed here" : "");
        }

        @Setup(Level.Trial)
        public void join(PoolBenchmark b) {
            if (b.impl == Impl.DEFER_POOL) {
                owner = b.deferPool.register(() -> b.kicked.lazySet(true)); // the event loop's wakeup
            } else if (b.impl == Impl.DEFER_POOL_WRAPPED) {
                wrappedOwner = b.wrappedPool.register(() -> b.kicked.lazySet(true));
            }
        }
    }

    /** Completed hand-offs, and hand-offs refused because the wire was full (the owner released it itself). */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Handoffs {
        /** Objects the consumer received, read and released. */
        public long handoffs;
        /** Consumer polls that found the wire empty. */
        public long empty;

        @Setup(Level.Iteration)
        public void zero() {
            handoffs = 0;
            empty = 0;
        }
    }

    Msg acquire(Side side) {
        switch (impl) {
            case DEFER_POOL:
                return side.owner.acquire();
            case DEFER_POOL_WRAPPED:
                return side.wrappedOwner.acquire().msg;
            case NETTY:
            case NETTY_UNGUARDED:
                if (netty == null) { // pinned to the first thread that acquires: the owner
                    boolean unguarded = impl == Impl.NETTY_UNGUARDED;
                    netty = new Recycler<Msg>(Thread.currentThread(), unguarded) {
                        @Override
                        protected Msg newObject(Handle<Msg> handle) {
                            Msg m = new Msg(payload);
                            m.handle = handle;
                            return m;
                        }
                    };
                }
                return netty.get();
            case JCTOOLS_OWNER_POOL:
            case AGRONA_OWNER_POOL:
            case CLQ: {
                Msg m = ownerPool.poll();
                if (m == null) {
                    m = new Msg(payload);
                    m.home = ownerPool;
                }
                return m;
            }
            case CEILING: {
                Msg m = ceiling[nextCeiling];
                nextCeiling = (nextCeiling + 1) & (ceiling.length - 1);
                return m;
            }
            case NEW:
            default:
                return new Msg(payload);
        }
    }

    void release(Side side, Msg m) {
        switch (impl) {
            case DEFER_POOL:
                side.owner.release(m);
                break;
            case DEFER_POOL_WRAPPED:
                side.wrappedOwner.release(m.box);
                break;
            case NETTY:
                m.handle.recycle(m);
                break;
            case NETTY_UNGUARDED:
                ((Recycler.EnhancedHandle<Msg>) m.handle).unguardedRecycle(m);
                break;
            case JCTOOLS_OWNER_POOL:
            case AGRONA_OWNER_POOL:
            case CLQ:
                m.home.offer(m); // a full pool drops it
                break;
            default: // NEW and CEILING: nothing to give back
                break;
        }
    }

    static void write(Msg m, long seq) {
        m.seq = seq;
        if (m.payload != null) {
            m.payload[0] = (byte) seq;
            m.payload[m.payload.length - 1] = (byte) seq;
        }
    }

    static long read(Msg m) {
        long v = m.seq;
        if (m.payload != null) {
            v += m.payload[0] + m.payload[m.payload.length - 1];
        }
        return v;
    }

    /** Scenario A: acquire, touch, release on one thread. */
    @Benchmark
    @Group("same")
    @GroupThreads(1)
    public long same(Side side) {
        Msg m = acquire(side);
        write(m, ++side.seq);
        long v = read(m);
        release(side, m);
        return v;
    }

    /** Scenario B, the owner: acquire, write, hand over (or release here if the wire is full). */
    @Benchmark
    @Group("handoff")
    @GroupThreads(1)
    public void owner(Side side) {
        if (kicked.getOpaque()) { // an event loop's iteration: drain after a kick (DeferPool only)
            kicked.lazySet(false);
            if (side.owner != null) {
                side.owner.drain();
            } else {
                side.wrappedOwner.drain();
            }
        }
        Msg m = acquire(side);
        write(m, ++side.seq);
        if (!wire.offer(m)) {
            release(side, m);
        }
    }

    /** Scenario B, the consumer: take, read, release (a remote release). */
    @Benchmark
    @Group("handoff")
    @GroupThreads(1)
    public long consumer(Side side, Handoffs counts) {
        Msg m = wire.relaxedPoll();
        if (m == null) {
            counts.empty++;
            return 0;
        }
        long v = read(m);
        release(side, m);
        counts.handoffs++;
        side.handoffs++;
        return v;
    }
}
