package netc.maven;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import javax.lang.model.SourceVersion;
import org.apache.maven.artifact.Artifact;
import org.apache.maven.model.Resource;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugin.descriptor.PluginDescriptor;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.project.MavenProject;

/**
 * Compiles every {@code .net} model under {@code sourceDirectory} into a Java class under {@code outputDirectory}
 * (the source {@code netc compile} writes), and adds that directory to the project's compile source roots. Every
 * {@code .onnx} model under {@code onnxDirectory} is imported as {@code netc import} does and compiled the same way;
 * its weights ({@code Name.safetensors}) and its {@code .net} text ({@code Name.net}) go under
 * {@code resourceDirectory}, in the class's package, which becomes a resource root: the application loads them with
 * {@code Name.load(Name.class.getResourceAsStream("Name.safetensors"), "Name.safetensors")}. Models whose generated
 * files are newer than their model file and than the plugin are skipped. Errors in a model fail the build with netc's
 * located messages ({@code file:line:col: error: ...}, the line and a caret; {@code file.onnx: node 'NAME' ...}).
 */
@Mojo(name = "generate", defaultPhase = LifecyclePhase.GENERATE_SOURCES, threadSafe = true)
public class GenerateMojo extends AbstractMojo {
    /** The directory holding the {@code .net} files; every {@code **}{@code /*.net} below it is compiled. */
    @Parameter(property = "netc.sourceDirectory", defaultValue = "${project.basedir}/src/main/net")
    File sourceDirectory;

    /** The directory holding ONNX models; every {@code **}{@code /*.onnx} below it is imported and compiled. */
    @Parameter(property = "netc.onnxDirectory", defaultValue = "${project.basedir}/src/main/onnx")
    File onnxDirectory;

    /** Where the generated Java sources go; added to the compile source roots. */
    @Parameter(property = "netc.outputDirectory", defaultValue = "${project.build.directory}/generated-sources/netc")
    File outputDirectory;

    /** Where an imported model's weights and {@code .net} text go; added as a resource directory when there are ONNX models. */
    @Parameter(property = "netc.resourceDirectory", defaultValue = "${project.build.directory}/generated-resources/netc")
    File resourceDirectory;

    /** The Java package of the generated classes (configured as {@code <package>}). */
    @Parameter(alias = "package", property = "netc.package", defaultValue = "netc.models")
    String packageName;

    /** Where the plugin records what it generated, for incremental builds. */
    @Parameter(defaultValue = "${project.build.directory}/netc-maven-plugin", readonly = true)
    File stateDirectory;

    /** Skips the goal. */
    @Parameter(property = "netc.skip", defaultValue = "false")
    boolean skip;

    @Parameter(defaultValue = "${project}", readonly = true, required = true)
    MavenProject project;

    @Parameter(defaultValue = "${plugin}", readonly = true)
    PluginDescriptor plugin;

    @Override
    public void execute() throws MojoExecutionException, MojoFailureException {
        if (skip) {
            getLog().info("netc: skipped");
            return;
        }
        if (!SourceVersion.isName(packageName)) throw new MojoFailureException("netc: package '" + packageName + "' is not a Java package name");
        project.addCompileSourceRoot(outputDirectory.getPath());
        if (!sourceDirectory.isDirectory() && !onnxDirectory.isDirectory()) {
            getLog().info("netc: no model directory " + sourceDirectory + " or " + onnxDirectory);
            return;
        }
        if (onnxDirectory.isDirectory()) {
            Resource r = new Resource();
            r.setDirectory(resourceDirectory.getPath());
            project.addResource(r);
        }
        Map<ModelSources.Kind, Path> dirs = new EnumMap<>(ModelSources.Kind.class);
        dirs.put(ModelSources.Kind.NET, sourceDirectory.toPath());
        dirs.put(ModelSources.Kind.ONNX, onnxDirectory.toPath());
        ModelSources.Outcome o;
        try {
            o = new ModelSources(dirs, outputDirectory.toPath(), resourceDirectory.toPath(), stateDirectory.toPath(), packageName, toolModified()).generate();
        } catch (IOException e) {
            throw new MojoExecutionException("netc: " + e, e);
        }
        for (Path p : o.written()) getLog().info("netc: wrote " + p);
        long models = o.written().stream().filter(p -> p.toString().endsWith(".java")).count();
        getLog().info("netc: " + models + " model" + (models == 1 ? "" : "s") + " compiled, "
                + o.upToDate().size() + " up to date");
        if (!o.errors().isEmpty()) {
            int n = o.errors().size();
            throw new MojoFailureException("netc: " + n + " model" + (n == 1 ? " has" : "s have") + " errors:\n" + String.join("\n", o.errors()));
        }
    }

    /** The newest last-modified time of the plugin's jar and its dependencies (the compiler): output older than it is stale. */
    private long toolModified() {
        if (plugin == null) return 0;
        long newest = plugin.getPluginArtifact() == null ? 0 : modified(plugin.getPluginArtifact());
        for (Artifact a : plugin.getArtifacts()) newest = Math.max(newest, modified(a));
        return newest;
    }

    private static long modified(Artifact a) {
        return a.getFile() == null ? 0 : a.getFile().lastModified();
    }
}
