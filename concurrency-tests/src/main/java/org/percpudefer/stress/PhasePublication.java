package org.percpudefer.stress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.SplittableRandom;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Hazard: the stress controller starts a new phase and a CPU acts on it with a stale view: it sees its new
 * role but the old consumer set, or the new consumer array with its elements not yet written (a producer
 * would then send objects to a CPU that does not consume them in this phase, or to CPU 0 by accident).
 *
 * <p>Ordering decisions under test: {@code Stress.Roles.consumers}, a new array each phase filled with
 * plain stores then published with a volatile store (smp_store_release) and read with a volatile load
 * (smp_load_acquire) by producers ({@code Roles.consumers()}); and {@code Stress.Lane.role}, stored
 * volatile after the set (smp_store_release) and read volatile by the CPU at each step (smp_load_acquire).
 * Role then set is message passing (LKMM {@code MP+pooncerelease+poacquireonce}: Never), and so is the
 * array's publication. {@code Opaque} does the same with WRITE_ONCE / READ_ONCE
 * ({@code MP+poonceonces}: Sometimes).
 *
 * <p>Two CPUs; before: both consume (set {@code {0, 1}}), CPU 0 idle. The controller publishes CPU 0
 * producing and CPU 1 consuming (set {@code {1}}). CPU 0 reads its role, then the set. Columns: the role
 * CPU 0 saw ({@code 1}: the new one), the set: {@code -1} the old one, {@code 1} the new one,
 * {@code 0} the new array with its element unwritten.
 *
 * <p>How to run: {@code java -jar concurrency-tests/target/jcstress.jar -t PhasePublication}
 */
public final class PhasePublication {

    static final int[] NEXT = {Stress.PRODUCE, Stress.CONSUME};

    private PhasePublication() {
    }

    static int set(int[] consumers) {
        return consumers.length == 2 ? -1 : consumers[0];
    }

    /** The shipping {@code Stress.Roles.publish} and {@code Roles.consumers()}, on shipping lanes. */
    @JCStressTest
    @Outcome(id = "0, -1", expect = ACCEPTABLE, desc = "CPU 0 read before the publication: the old phase")
    @Outcome(id = {"0, 1", "1, 1"}, expect = ACCEPTABLE, desc = "the new consumer set (and maybe the new role)")
    @Outcome(id = "1, -1", expect = FORBIDDEN, desc = "MP: the new role with the old consumer set")
    @Outcome(id = {"0, 0", "1, 0"}, expect = FORBIDDEN, desc = "the new array seen before its element was written")
    @State
    public static class Shipping {
        private final Stress.Lane[] lanes = {LaneCountersCoherence.lane(), LaneCountersCoherence.lane()};
        private final Stress.Roles roles = new Stress.Roles(new int[] {0, 1});

        @Actor
        public void controller() {
            roles.publish(NEXT, lanes, cpu -> { });
        }

        @Actor
        public void cpu0(II_Result r) {
            r.r1 = lanes[0].role;
            r.r2 = set(roles.consumers());
        }
    }

    /**
     * A deliberately weakened copy of {@code Roles.publish}: the set and the role stored with WRITE_ONCE
     * and read with READ_ONCE, which order nothing between two locations. x86-TSO keeps stores in order
     * and loads in order, so on x86 this likely shows 0; the JMM (and the LKMM, on weaker machines)
     * allows both bad outcomes.
     */
    @JCStressTest
    @Outcome(id = {"0, -1", "0, 1", "1, 1"}, expect = ACCEPTABLE, desc = "an ordered view")
    @Outcome(id = "1, -1", expect = ACCEPTABLE_INTERESTING, desc = "MP+poonceonces: the new role with the old consumer set")
    @Outcome(id = {"0, 0", "1, 0"}, expect = ACCEPTABLE_INTERESTING, desc = "the new array seen before its element was written")
    @State
    public static class Opaque {
        private static final VarHandle CONSUMERS;
        private static final VarHandle ROLE;

        static {
            try {
                MethodHandles.Lookup l = MethodHandles.lookup();
                CONSUMERS = l.findVarHandle(Opaque.class, "consumers", int[].class);
                ROLE = l.findVarHandle(Opaque.class, "role", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        @SuppressWarnings("unused") // CONSUMERS
        private int[] consumers = {0, 1};
        @SuppressWarnings("unused") // ROLE
        private int role;

        @Actor
        public void controller() {
            int n = 0;
            int[] cons = new int[NEXT.length];
            for (int i = 0; i < NEXT.length; i++) {
                if ((NEXT[i] & Stress.CONSUME) != 0) {
                    cons[n++] = i;
                }
            }
            CONSUMERS.setOpaque(this, Arrays.copyOf(cons, n));
            ROLE.setOpaque(this, NEXT[0]);
        }

        @Actor
        public void cpu0(II_Result r) {
            r.r1 = (int) ROLE.getOpaque(this);
            r.r2 = set((int[]) CONSUMERS.getOpaque(this));
        }
    }
}
