package org.percpudefer.net;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.jctools.queues.atomic.SpscAtomicArrayQueue;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Hazard: the socket's receive-buffer charge ({@code sk_rmem_alloc}) updated by the receive side
 * (atomic_add before queueing) and the reader (atomic_sub after its copy) at the same time. A lost
 * update leaves the window wrongly closed (the flow stalls for good) or open (the buffer grows without
 * bound); an admission check that trusted a stale charge would do the same.
 *
 * <p>Each test starts with one skb (stamp 5) queued and charged; the reader takes it and uncharges while
 * the receive side tries to queue a second one. Result columns: whether the second skb was queued
 * ({@code 1}) or refused ({@code 0}), the stamp the reader saw, and the charge at the end.
 *
 * <p>How to run: {@code java -jar concurrency-tests/target/jcstress.jar -t SocketCharge}
 */
public final class SocketCharge {

    static final int PAGE = 4096;

    private SocketCharge() {
    }

    static Skb skb(int stamp) {
        Skb s = new Skb(1);
        s.truesize = PAGE;
        s.stamp = (byte) stamp;
        return s;
    }

    /**
     * One skb (stamp 5) queued and charged on the shipping {@link Socket}; the race's two sides and the
     * final charge. jcstress does not inherit {@code @Actor}s, so each test names its own.
     */
    abstract static class Race {
        final Socket socket;
        final Skb second = skb(7);

        Race(long rcvbuf) {
            socket = new Socket(rcvbuf, PAGE);
            socket.tryQueue(skb(5));
        }

        void nic(III_Result r) {
            r.r1 = socket.tryQueue(second) ? 1 : 0;
        }

        void reader(III_Result r) {
            Skb s = socket.poll();
            r.r2 = s == null ? -1 : s.stamp;
            if (s != null) {
                socket.uncharge(s.truesize);
            }
        }

        void charge(III_Result r) {
            r.r3 = (int) socket.charged();
        }
    }

    /** Room for one skb: the second is admitted only after the uncharge. */
    @JCStressTest
    @Outcome(id = "0, 5, 0", expect = ACCEPTABLE, desc = "the receive side saw the buffer full; the reader emptied it after")
    @Outcome(id = "1, 5, 4096", expect = ACCEPTABLE, desc = "the receive side saw the reader's uncharge and queued")
    @Outcome(expect = FORBIDDEN, desc = "a charge that does not match what is queued, or a lost skb")
    @State
    public static class Admission extends Race {
        public Admission() {
            super(PAGE);
        }

        @Actor
        public void nicActor(III_Result r) {
            nic(r);
        }

        @Actor
        public void readerActor(III_Result r) {
            reader(r);
        }

        @Arbiter
        public void chargeArbiter(III_Result r) {
            charge(r);
        }
    }

    /** Room for both: the add and the sub race, and neither may be lost. */
    @JCStressTest
    @Outcome(id = "1, 5, 4096", expect = ACCEPTABLE, desc = "both updates landed: the second skb's charge remains")
    @Outcome(expect = FORBIDDEN, desc = "a lost update: the window is off by one skb for ever")
    @State
    public static class Accounting extends Race {
        public Accounting() {
            super(2 * PAGE);
        }

        @Actor
        public void nicActor(III_Result r) {
            nic(r);
        }

        @Actor
        public void readerActor(III_Result r) {
            reader(r);
        }

        @Arbiter
        public void chargeArbiter(III_Result r) {
            charge(r);
        }
    }

    /**
     * A deliberately weakened copy of {@code Accounting}: the charge as a plain field, updated with
     * {@code +=} and {@code -=} (a read, then a write), as if sk_rmem_alloc were not atomic.
     */
    @JCStressTest
    @Outcome(id = "1, 5, 4096", expect = ACCEPTABLE, desc = "both updates landed")
    @Outcome(id = {"1, 5, 0", "1, 5, 8192"}, expect = ACCEPTABLE_INTERESTING,
            desc = "a lost update: why the shipping socket uses atomic_add/atomic_sub")
    @Outcome(expect = FORBIDDEN, desc = "any other result")
    @State
    public static class PlainCharge {
        private final SpscAtomicArrayQueue<Skb> queue = new SpscAtomicArrayQueue<>(4);
        private long rmem;
        private final Skb second = skb(7);

        public PlainCharge() {
            queue.offer(skb(5));
            rmem = PAGE;
        }

        @Actor
        public void nic(III_Result r) {
            if (rmem + PAGE <= 2 * PAGE) {
                rmem += PAGE;
                queue.offer(second);
                r.r1 = 1;
            }
        }

        @Actor
        public void reader(III_Result r) {
            Skb s = queue.poll();
            r.r2 = s == null ? -1 : s.stamp;
            if (s != null) {
                rmem -= s.truesize;
            }
        }

        @Arbiter
        public void charge(III_Result r) {
            r.r3 = (int) rmem;
        }
    }
}
