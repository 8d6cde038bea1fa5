package netc.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import netc.runtime.Model;
import netc.runtime.UserError;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Scoring DataFrames in local mode: every feature column type, against the model run in this process. */
class SparkScoringTest {

    @TempDir
    Path tmp;


    @Test
    void scoresEveryRowAsTheModelDoesForEachFeatureType() {
        ModelFactory f = SparkTrainingTest.factory(SparkTrainingTest.MLP);
        Model m = f.create();
        m.initParams(11);
        Path w = tmp.resolve("w.safetensors");
        m.saveWeights(w);
        List<Row> rows = SparkTrainingTest.rows(1000, 20, 9);  // four batches of 256 and a part

        List<Row> doubles = new ArrayList<>(), vectors = new ArrayList<>();
        for (Row r : rows) {
            float[] x = (float[]) r.get(0);
            double[] d = new double[x.length];
            for (int j = 0; j < x.length; j++) d[j] = x[j];
            doubles.add(RowFactory.create(d, r.get(1)));
            vectors.add(RowFactory.create(r.getInt(1) % 2 == 0 ? Vectors.dense(d) : Vectors.dense(d).toSparse(), r.get(1)));
        }
        StructType floatsSchema = new StructType().add("features", DataTypes.createArrayType(DataTypes.FloatType, false)).add("label", DataTypes.IntegerType);
        StructType doublesSchema = new StructType().add("features", DataTypes.createArrayType(DataTypes.DoubleType, false)).add("label", DataTypes.IntegerType);
        StructType vectorSchema = new StructType().add("features", SQLDataTypes.VectorType()).add("label", DataTypes.IntegerType);
        for (Dataset<Row> df : List.of(LocalSpark.session().createDataFrame(rows, floatsSchema), LocalSpark.session().createDataFrame(doubles, doublesSchema),
                LocalSpark.session().createDataFrame(vectors, vectorSchema))) {
            List<Row> scored = NetcSpark.score(df.repartition(3), f, w, "features").collectAsList();
            assertEquals(1000, scored.size());
            assertEquals(List.of("features", "label", "probs"), List.of(scored.get(0).schema().fieldNames()));
            for (Row s : scored) {
                int label = s.getInt(1);
                float[] x = new float[20];
                Features.copy(s.get(0), "features", x, 0, 20);
                float[] want = m.predictBatch(x, 1);
                List<Float> got = s.getList(2);
                float[] g = new float[got.size()];
                for (int j = 0; j < g.length; j++) g[j] = got.get(j);
                assertArrayEquals(want, g, 1e-6f, "a row of label " + label);
            }
        }
    }

    @Test
    void theUdfServesSql() {
        ModelFactory f = SparkTrainingTest.factory(SparkTrainingTest.MLP);
        Model m = f.create();
        Path w = tmp.resolve("u.safetensors");
        m.saveWeights(w);
        NetcSpark.udf(LocalSpark.session(), "mlp", f, w);
        List<Row> rows = SparkTrainingTest.rows(50, 20, 3);
        SparkTrainingTest.frame(rows).createOrReplaceTempView("samples");
        List<Row> out = LocalSpark.session().sql("SELECT features, mlp(features) AS p FROM samples").collectAsList();
        assertEquals(50, out.size());
        for (Row r : out) {
            float[] x = new float[20];
            Features.copy(r.get(0), "features", x, 0, 20);
            List<Float> p = r.getList(1);
            assertEquals(3, p.size());
            assertEquals(m.predictBatch(x, 1)[2], p.get(2), 1e-6f);
        }
    }

    @Test
    void aWrongColumnOrWidthIsOneLine() {
        ModelFactory f = SparkTrainingTest.factory(SparkTrainingTest.MLP);
        Path w = tmp.resolve("w.safetensors");
        f.create().saveWeights(w);
        Dataset<Row> df = SparkTrainingTest.frame(SparkTrainingTest.rows(10, 20, 1));
        UserError e = assertThrows(UserError.class, () -> NetcSpark.score(df, f, w, "pixels"));
        assertEquals("the DataFrame has no column 'pixels'; its columns are features, label", e.getMessage());
        Dataset<Row> narrow = SparkTrainingTest.frame(SparkTrainingTest.rows(10, 19, 1));
        Exception x = assertThrows(Exception.class, () -> NetcSpark.score(narrow, f, w, "features").collectAsList());
        assertTrue(String.valueOf(x.getMessage()).contains("column 'features': a row holds 19 values, the model's input takes 20"), x.getMessage());
    }
}
