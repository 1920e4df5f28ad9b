package org.percpudefer.net;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.util.concurrent.atomic.AtomicInteger;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Hazard: a {@link SlabCache} spill (a CPU whose magazine is full moves half of it to the shared depot)
 * racing a refill (a CPU whose magazine is empty takes half a magazine from the depot) loses objects or
 * hands one out twice. The depot's array and size are plain, guarded by the depot's {@code SpinLock}
 * (spin_lock: cmpxchg, acquire; spin_unlock: smp_store_release), so the two critical sections are ordered
 * one after the other, each seeing the other's writes (MP+polocks, Never; the lock itself is
 * {@code ordering.MP_polocks}); the magazines are plain, each its own CPU's.
 *
 * <p>Set-up (the constructor plays CPU 0, before the actors start): five objects made, four freed on CPU 0
 * so its magazine of four is full. The race: CPU 0 frees the fifth (spill of two, then the free); CPU 1
 * allocates on an empty magazine (refill of up to two, or a new object if the depot is empty). The
 * arbiter then takes every cached object back out (allocating on each CPU until the cache has to make a
 * new one) and counts each object made before it.
 *
 * <p>Result columns: whether CPU 1 got a spilled object ({@code 1}) or a new one ({@code 0}), objects lost
 * (neither held nor cached), objects found twice.
 *
 * <p>How to run: {@code java -jar concurrency-tests/target/jcstress.jar -t SlabDepotRace}
 */
public final class SlabDepotRace {

    private SlabDepotRace() {
    }

    /** A cached object with its serial number. */
    static final class Item {
        final int serial;

        Item(int serial) {
            this.serial = serial;
        }
    }

    /** The operations of a slab cache, so the shipping class and the weakened copy share one race. */
    interface Cache {
        Item alloc(int cpu);

        void free(int cpu, Item obj);
    }

    /** The race and its accounting; jcstress does not inherit {@code @Actor}s, so each test names its own. */
    abstract static class Race {
        final AtomicInteger made = new AtomicInteger();
        final Cache cache;
        final Item fifth;
        Item got;

        Race() {
            cache = cache();
            Item[] five = new Item[5];
            for (int i = 0; i < 5; i++) {
                five[i] = cache.alloc(0); // each made new: the magazine and the depot are empty
            }
            for (int i = 0; i < 4; i++) {
                cache.free(0, five[i]); // CPU 0's magazine now full
            }
            fifth = five[4];
        }

        abstract Cache cache();

        Item make() {
            return new Item(made.getAndIncrement());
        }

        void spill() {
            cache.free(0, fifth);
        }

        void refill() {
            got = cache.alloc(1);
        }

        void account(III_Result r) {
            int known = made.get();
            int[] seen = new int[known];
            if (got != null) {
                seen[got.serial]++;
            }
            for (int cpu = 0; cpu < 2; cpu++) { // the arbiter runs after both actors: CPU 0, then CPU 1
                for (Item o; (o = cache.alloc(cpu)) != null && o.serial < known; ) {
                    seen[o.serial]++;
                }
            }
            int lost = 0;
            int twice = 0;
            for (int n : seen) {
                lost += n == 0 ? 1 : 0;
                twice += n > 1 ? 1 : 0;
            }
            r.r1 = got != null && got.serial < 5 ? 1 : 0;
            r.r2 = lost;
            r.r3 = twice;
        }
    }

    /** The shipping {@link SlabCache}: two CPUs, magazines of four. */
    @JCStressTest
    @Outcome(id = "0, 0, 0", expect = ACCEPTABLE, desc = "the refill came first, found the depot empty, and made a new object")
    @Outcome(id = "1, 0, 0", expect = ACCEPTABLE, desc = "the spill came first: CPU 1 got a spilled object, nothing lost")
    @Outcome(expect = FORBIDDEN, desc = "an object lost or handed out twice: the depot lock did not order spill and refill")
    @State
    public static class Shipping extends Race {
        @Override
        Cache cache() {
            SlabCache<Item> slab = new SlabCache<>(2, 4, this::make);
            return new Cache() {
                @Override
                public Item alloc(int cpu) {
                    return slab.alloc(cpu);
                }

                @Override
                public void free(int cpu, Item obj) {
                    slab.free(cpu, obj);
                }
            };
        }

        @Actor
        public void cpu0() {
            spill();
        }

        @Actor
        public void cpu1() {
            refill();
        }

        @Arbiter
        public void arbiter(III_Result r) {
            account(r);
        }
    }

    /**
     * A deliberately weakened copy of {@link SlabCache}'s magazines and depot, the depot without its lock:
     * spill and refill read and write the depot's size and slots plainly at the same time. Guarded so that
     * a torn depot never throws (a slot read empty is skipped and its object counted lost).
     */
    @JCStressTest
    @Outcome(id = {"0, 0, 0", "1, 0, 0"}, expect = ACCEPTABLE, desc = "as the shipping test")
    @Outcome(expect = ACCEPTABLE_INTERESTING,
            desc = "an object lost or handed out twice: why the depot is under a lock")
    @State
    public static class WithoutDepotLock extends Race {
        @Override
        Cache cache() {
            return new UnlockedCache(this);
        }

        @Actor
        public void cpu0() {
            spill();
        }

        @Actor
        public void cpu1() {
            refill();
        }

        @Arbiter
        public void arbiter(III_Result r) {
            account(r);
        }
    }

    /** The weakened copy: SlabCache's alloc/free/spill/refill for magazines of four, depot unlocked. */
    static final class UnlockedCache implements Cache {
        private static final int MAGAZINE = 4;
        private final Race race;
        private final Item[][] magazines = new Item[2][MAGAZINE];
        private final int[] rounds = new int[2];
        private final Item[] depot = new Item[64];
        private int depotSize;

        UnlockedCache(Race race) {
            this.race = race;
        }

        @Override
        public Item alloc(int cpu) {
            Item[] mag = magazines[cpu];
            if (rounds[cpu] == 0) {
                for (int i = 0; i < MAGAZINE / 2; i++) { // refill, unlocked
                    int s = depotSize;
                    if (s == 0) {
                        break;
                    }
                    Item o = depot[s - 1];
                    depot[s - 1] = null;
                    depotSize = s - 1;
                    if (o != null) {
                        mag[rounds[cpu]++] = o;
                    }
                }
            }
            if (rounds[cpu] == 0) {
                return race.make();
            }
            Item o = mag[--rounds[cpu]];
            mag[rounds[cpu]] = null;
            return o;
        }

        @Override
        public void free(int cpu, Item obj) {
            Item[] mag = magazines[cpu];
            if (rounds[cpu] == MAGAZINE) {
                for (int i = 0; i < MAGAZINE / 2; i++) { // spill, unlocked
                    int s = depotSize;
                    if (s == depot.length) {
                        break;
                    }
                    depot[s] = mag[--rounds[cpu]];
                    mag[rounds[cpu]] = null;
                    depotSize = s + 1;
                }
            }
            mag[rounds[cpu]++] = obj;
        }
    }
}
