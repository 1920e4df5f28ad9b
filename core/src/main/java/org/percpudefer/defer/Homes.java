package org.percpudefer.defer;

import org.percpudefer.cpu.CallSingleData;
import org.percpudefer.cpu.Cpu;
import org.percpudefer.cpu.Machine;

/**
 * Where deferred objects go home, as the defer lists see it: numbered homes that can be online or not,
 * kicked (asked to flush soon) and woken. The emulated CPUs of a {@link Machine} are one kind
 * ({@link #of(Machine)}); the owner threads of a {@link DeferPool} are the other. The lists' algorithms
 * are the same for both.
 */
abstract class Homes {

    /** @return how many homes there are, numbered {@code 0..count() - 1} */
    abstract int count();

    /** @return the NUMA node of {@code home} (for {@code PER_NODE}) */
    abstract int node(int home);

    /** @return whether {@code home} takes objects now (a hint, READ_ONCE) */
    abstract boolean online(int home);

    /**
     * @param home a home number
     * @throws IllegalArgumentException if it is out of range
     */
    abstract void check(int home);

    /**
     * Asks {@code home} to flush soon. When the request is handled the home must call
     * {@link DeferLists#ipiHandled(int)} before it flushes.
     *
     * @param csd the home's own kick data (used by machine homes)
     * @return {@link CallSingleData#SENT}, {@link CallSingleData#BUSY} or {@link CallSingleData#OFFLINE}
     */
    abstract int kick(int home, CallSingleData csd);

    /** Makes {@code home} look at its list soon if it sleeps. */
    abstract void wake(int home);

    /** @return whether nothing runs on behalf of any home any more, so that a drain may free everything */
    abstract boolean quiet();

    /**
     * @param what the operation, for the error
     * @return the calling thread's home
     * @throws IllegalStateException if the calling thread is no home of these
     */
    abstract int current(String what);

    /** The CPUs of an emulated machine. */
    static Homes of(Machine machine) {
        return new Homes() {
            @Override
            int count() {
                return machine.cpus();
            }

            @Override
            int node(int home) {
                return machine.cpu(home).node();
            }

            @Override
            boolean online(int home) {
                return machine.cpu(home).isOnline();
            }

            @Override
            void check(int home) {
                machine.cpu(home);
            }

            @Override
            int kick(int home, CallSingleData csd) {
                return machine.callFunctionSingleAsync(home, csd);
            }

            @Override
            void wake(int home) {
                machine.cpu(home).wake();
            }

            @Override
            boolean quiet() {
                return machine.isClosed() && machine.terminated();
            }

            @Override
            int current(String what) {
                Cpu cpu = Cpu.currentOrNull();
                if (cpu == null || cpu.machine() != machine) {
                    throw new IllegalStateException(what + " on thread '" + Thread.currentThread().getName()
                            + "': call it on a simulated CPU of the machine these lists were installed on");
                }
                return cpu.id();
            }
        };
    }
}
