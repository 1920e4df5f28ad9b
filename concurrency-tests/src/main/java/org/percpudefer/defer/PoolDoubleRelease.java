package org.percpudefer.defer;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Hazard: two threads release the same pooled object at once (a user's bug). If both releases succeed,
 * the object is in circulation twice: two later acquires hand it to two users (Netty's Recycler bug class).
 * Exactly one release must win; the other gets the double-release error.
 *
 * <p>Result columns: whether each release succeeded ({@code 1}) or was refused as a double release
 * ({@code 0}).
 *
 * <p>How to run: {@code java -jar concurrency-tests/target/jcstress.jar -t PoolDoubleRelease}
 */
public final class PoolDoubleRelease {

    private PoolDoubleRelease() {
    }

    static final class Obj extends Pooled {
    }

    /** The shipping {@link DeferPool}: releases on threads that are not owners race on {@link Pooled}'s cmpxchg. */
    @JCStressTest
    @Outcome(id = {"1, 0", "0, 1"}, expect = ACCEPTABLE, desc = "one release won, the other was refused as a double release")
    @Outcome(id = "1, 1", expect = FORBIDDEN, desc = "both released: the object would circulate twice")
    @Outcome(id = "0, 0", expect = FORBIDDEN, desc = "neither released: a live object refused")
    @State
    public static class Shipping {
        private final DeferPool<Obj> pool = DeferPool.builder(Obj::new).maxOwners(1).cacheSize(0).build();
        private final Obj obj = pool.acquire();

        @Actor
        public void first(II_Result r) {
            r.r1 = release();
        }

        @Actor
        public void second(II_Result r) {
            r.r2 = release();
        }

        private int release() {
            try {
                pool.release(obj);
                return 1;
            } catch (IllegalStateException e) {
                return 0;
            }
        }
    }

    /** A deliberately weakened copy: the holder checked with READ_ONCE, then cleared with WRITE_ONCE. */
    @JCStressTest
    @Outcome(id = {"1, 0", "0, 1"}, expect = ACCEPTABLE, desc = "one release won")
    @Outcome(id = "1, 1", expect = ACCEPTABLE_INTERESTING,
            desc = "both saw the object in use and released it: why a remote release takes it with cmpxchg")
    @Outcome(expect = FORBIDDEN, desc = "any other result")
    @State
    public static class CheckThenClear {
        private final Obj obj = new Obj();

        public CheckThenClear() {
            obj.setHolderOnce(1); // held by owner slot 0
        }

        @Actor
        public void first(II_Result r) {
            r.r1 = release();
        }

        @Actor
        public void second(II_Result r) {
            r.r2 = release();
        }

        private int release() {
            if (obj.holderOnce() == Pooled.FREE) {
                return 0;
            }
            obj.setHolderOnce(Pooled.FREE);
            return 1;
        }
    }
}
