package org.percpudefer.cpu;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;

/**
 * Hazard: an IPI sent to a CPU that is going to sleep is never run, because the CPU's thread parked and
 * nobody unparked it. End to end on the shipping classes: a real one-CPU {@link Machine} whose idle CPU
 * parks at once, so the IPI races the CPU's own decision to park.
 *
 * <p>The actor waits (spinning, so an interrupt from the harness cannot end the wait early) for the IPI's
 * handler to have run on the CPU; the signal sends it. If the wakeup is lost the actor never terminates.
 *
 * <p>How to run: {@code java -jar concurrency-tests/target/jcstress.jar -t InboxParkUnpark}
 */
@JCStressTest(Mode.Termination)
@Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "the CPU woke up and ran the IPI")
@Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost wakeup: the CPU stays parked with the IPI queued")
@State
public class InboxParkUnpark {

    private static final VarHandle RAN;

    static {
        try {
            RAN = MethodHandles.lookup().findVarHandle(InboxParkUnpark.class, "ran", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Machine machine = Machine.boot(MachineConfig.of(1).withPin(false).withParkAtOnce());
    // smp_store_release by the handler on the CPU, smp_load_acquire by the actor
    private final CallSingleData csd = new CallSingleData(cpu -> RAN.setRelease(this, 1));
    @SuppressWarnings("unused")
    private int ran;

    @Actor
    public void actor() {
        while ((int) RAN.getAcquire(this) == 0) {
            Thread.onSpinWait();
        }
        machine.close();
    }

    @Signal
    public void signal() {
        if (machine.callFunctionSingleAsync(0, csd) != CallSingleData.SENT) {
            throw new IllegalStateException("the IPI was refused");
        }
    }
}
