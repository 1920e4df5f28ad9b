package org.percpudefer.cli;

import java.io.PrintWriter;
import java.util.Objects;
import java.util.Set;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The command line. With no command it runs the main job, with whatever options follow: {@code compare},
 * the seed's experiment. User mistakes (a bad value, an unknown option) print one line naming the value and
 * what is allowed, and exit with {@value #USAGE_ERROR}; never a stack trace.
 */
@Command(name = "percpu-defer", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "The Linux kernel's per-CPU skb defer-free lists, emulated on pinned Java threads.",
        subcommands = {Compare.class, RunFlow.class, StressCommand.class, IpiDemo.class, DeferDemo.class})
public final class Main implements Runnable {

    /** Exit status of a user mistake on the command line. */
    public static final int USAGE_ERROR = 2;
    /** The command run when none is given. */
    static final String MAIN_JOB = "compare";
    private static final Set<String> TOP_LEVEL_OPTIONS = Set.of("-h", "--help", "-V", "--version");

    private final PrintWriter out;

    private Main(PrintWriter out) {
        this.out = out;
    }

    /**
     * Runs the command line and exits the JVM with its status.
     *
     * @param args the arguments
     */
    public static void main(String[] args) {
        System.exit(run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
    }

    /**
     * Runs the command line without exiting.
     *
     * @param out  where results go; not null
     * @param err  where errors go; not null
     * @param args the arguments; not null
     * @return the exit status: 0, {@link #USAGE_ERROR} for a user mistake, 1 for a failure
     */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        Objects.requireNonNull(out, "out");
        Objects.requireNonNull(err, "err");
        Objects.requireNonNull(args, "args");
        CommandLine cl = new CommandLine(new Main(out), new Factory(out));
        cl.setOut(out);
        cl.setErr(err);
        cl.setParameterExceptionHandler((ex, arguments) -> {
            String hint = ex.getCommandLine().getCommandSpec().qualifiedName() + " --help";
            ex.getCommandLine().getErr().println("percpu-defer: " + ex.getMessage() + " (see " + hint + ")");
            return USAGE_ERROR;
        });
        return cl.execute(withMainJob(args));
    }

    /**
     * No command, or options alone: the main job's.
     * {@code --help} and {@code --version} stay the top level's.
     */
    private static String[] withMainJob(String[] args) {
        if (args.length > 0 && (!args[0].startsWith("-") || TOP_LEVEL_OPTIONS.contains(args[0]))) {
            return args;
        }
        String[] all = new String[args.length + 1];
        all[0] = MAIN_JOB;
        System.arraycopy(args, 0, all, 1, args.length);
        return all;
    }

    @Override
    public void run() {
        // Only reached with top-level options alone, which picocli handles (--help, --version).
        new CommandLine(this).usage(out);
    }

    /** Builds the subcommands with the same output stream. */
    private record Factory(PrintWriter out) implements CommandLine.IFactory {
        @Override
        public <K> K create(Class<K> cls) throws Exception {
            if (cls == IpiDemo.class) {
                return cls.cast(new IpiDemo(out));
            }
            if (cls == Compare.class) {
                return cls.cast(new Compare(out));
            }
            if (cls == RunFlow.class) {
                return cls.cast(new RunFlow(out));
            }
            if (cls == StressCommand.class) {
                return cls.cast(new StressCommand(out));
            }
            if (cls == DeferDemo.class) {
                return cls.cast(new DeferDemo(out));
            }
            if (cls == Main.class) {
                return cls.cast(new Main(out));
            }
            return CommandLine.defaultFactory().create(cls);
        }
    }

    /** The version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"percpu-defer " + Objects.requireNonNullElse(v, "(development build)")};
        }
    }
}
