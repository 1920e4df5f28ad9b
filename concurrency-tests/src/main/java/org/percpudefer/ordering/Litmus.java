package org.percpudefer.ordering;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/** What every litmus port needs once: a VarHandle for one of its int fields. */
final class Litmus {

    private Litmus() {
    }

    /** The VarHandle of the int field {@code name} of the class that made {@code lookup}. */
    static VarHandle intField(MethodHandles.Lookup lookup, String name) {
        try {
            return lookup.findVarHandle(lookup.lookupClass(), name, int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
