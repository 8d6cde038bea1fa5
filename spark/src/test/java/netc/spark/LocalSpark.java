package netc.spark;

import org.apache.spark.sql.SparkSession;

/** The tests' Spark: local mode, 2 task threads, up to 4 attempts per task (a test fails one on purpose); one per JVM. */
final class LocalSpark {
    private static SparkSession spark;

    private LocalSpark() {
    }

    static synchronized SparkSession session() {
        if (spark == null) {
            spark = SparkSession.builder().master("local[2,4]").appName("netc-test").config("spark.ui.enabled", "false")
                    .config("spark.sql.shuffle.partitions", "2").getOrCreate();
            Runtime.getRuntime().addShutdownHook(new Thread(spark::stop));
        }
        return spark;
    }
}
