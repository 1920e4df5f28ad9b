package org.percpudefer.defer;

import org.percpudefer.cpu.Machine;

/** {@link DeferVariant#NONE}: before 5.17, every object is freed by the CPU that consumed it. */
final class NoDeferral<T extends Deferrable> extends DeferLists<T> {

    NoDeferral(Homes homes, Reclaimer<? super T> reclaimer) {
        super(homes, DeferVariant.NONE, LockKind.TTAS, 1, reclaimer);
    }

    @Override
    int defer(int self, T obj) {
        return freeLocal(self, obj, LOCAL_DISABLED);
    }

    @Override
    int flushOn(int cpu) {
        return 0;
    }

    @Override
    public int queued(int cpu) {
        homes.check(cpu);
        return 0;
    }
}
