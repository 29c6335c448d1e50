using FluentAssertions;
using MultiHeadClassifier.Evaluation;
using Xunit;

namespace MultiHeadClassifier.Tests.Evaluation;

public class ClassificationMetricsTests
{
    // Fixture A, K = 4. Rows 6 and 9 are missing (−1); their predictions 3 and 2 must be ignored, so class 3
    // occurs in neither labels nor predictions and class 2 is never predicted.
    //
    // Labelled pairs (true, predicted): (0,0) (0,1) (1,1) (1,1) (1,0) (2,1) (0,0) (2,0); n = 8.
    // Confusion matrix (rows true, columns predicted):
    //          p0 p1 p2 p3 | row sum
    //   t0  [   2, 1, 0, 0 ]  3
    //   t1  [   1, 2, 0, 0 ]  3
    //   t2  [   1, 1, 0, 0 ]  2
    //   t3  [   0, 0, 0, 0 ]  0
    //   col sum 4, 4, 0, 0
    // accuracy = (2 + 2) / 8 = 0.5
    // class 0: TP 2, FP 2, FN 1 → P = 2/4 = 0.5, R = 2/3, F1 = 2·2 / (4 + 2 + 1) = 4/7
    // class 1: TP 2, FP 2, FN 1 → P = 0.5, R = 2/3, F1 = 4/7
    // class 2: TP 0, FP 0, FN 2 → P = 0 (zero division), R = 0, F1 = 0
    // class 3: no data → P = R = F1 = 0, support 0
    // balanced accuracy = mean recall over classes with true samples {0, 1, 2} = (2/3 + 2/3 + 0) / 3 = 4/9
    // macro F1 over labels present in truth ∪ predictions {0, 1, 2} (class 3 not counted)
    //   = (4/7 + 4/7 + 0) / 3 = 8/21   (it would be 2/7 if class 3 were counted)
    // MAE = (0 + 1 + 0 + 0 + 1 + 1 + 0 + 2) / 8 = 5/8
    private static readonly int[] LabelsA = [0, 0, 1, 1, 1, 2, -1, 0, 2, -1];
    private static readonly int[] PredictionsA = [0, 1, 1, 1, 0, 1, 3, 0, 0, 2];

    // Fixture B, K = 3: class 2 is only predicted, never a label.
    // Pairs: (0,0) (0,2) (1,1) (1,1). Confusion: t0 [1, 0, 1], t1 [0, 2, 0], t2 [0, 0, 0].
    // balanced accuracy = mean(recall0 = 1/2, recall1 = 2/2) = 0.75 (class 2 has no true rows and is dropped;
    //   counting it as recall 0 would give 0.5).
    // F1: class 0: TP 1, FP 0, FN 1 → 2/3; class 1: 2·2/(4+0+0) = 1; class 2: TP 0, FP 1 → 0.
    // macro F1 over {0, 1, 2} = (2/3 + 1 + 0) / 3 = 5/9; accuracy = 3/4.
    private static readonly int[] LabelsB = [0, 0, 1, 1];
    private static readonly int[] PredictionsB = [0, 2, 1, 1];

    [Fact]
    public void When_some_labels_are_missing_it_should_compute_accuracy_over_labelled_rows_only()
    {
        // Act
        double? accuracy = ClassificationMetrics.Accuracy(LabelsA, PredictionsA, 4);

        // Assert
        accuracy.Should().Be(0.5);
    }

    [Fact]
    public void When_a_class_is_never_predicted_it_should_count_its_zero_recall_in_balanced_accuracy()
    {
        // Act
        double? balanced = ClassificationMetrics.BalancedAccuracy(LabelsA, PredictionsA, 4);

        // Assert
        balanced.Should().BeApproximately(4.0 / 9.0, 1e-12);
    }

    [Fact]
    public void When_a_class_is_only_predicted_it_should_leave_it_out_of_balanced_accuracy()
    {
        // Act
        double? balanced = ClassificationMetrics.BalancedAccuracy(LabelsB, PredictionsB, 3);

        // Assert
        balanced.Should().BeApproximately(0.75, 1e-12);
    }

    [Fact]
    public void When_a_class_is_absent_from_labels_and_predictions_it_should_leave_it_out_of_macro_f1()
    {
        // Act
        double? macroF1 = ClassificationMetrics.MacroF1(LabelsA, PredictionsA, 4);

        // Assert
        macroF1.Should().BeApproximately(8.0 / 21.0, 1e-12);
    }

    [Fact]
    public void When_a_class_is_only_predicted_it_should_count_its_zero_f1_in_macro_f1()
    {
        // Act
        double? macroF1 = ClassificationMetrics.MacroF1(LabelsB, PredictionsB, 3);
        double? accuracy = ClassificationMetrics.Accuracy(LabelsB, PredictionsB, 3);

        // Assert
        macroF1.Should().BeApproximately(5.0 / 9.0, 1e-12);
        accuracy.Should().Be(0.75);
    }

    [Fact]
    public void When_per_class_metrics_are_requested_it_should_report_every_class_with_zero_for_undefined()
    {
        // Act
        PerClassMetrics perClass = ClassificationMetrics.PerClass(LabelsA, PredictionsA, 4);

        // Assert
        perClass.Precision.Should().Equal(0.5, 0.5, 0.0, 0.0);
        perClass.Recall.Should().BeEquivalentTo(new[] { 2.0 / 3.0, 2.0 / 3.0, 0.0, 0.0 }, o => o.WithStrictOrdering()
            .Using<double>(c => c.Subject.Should().BeApproximately(c.Expectation, 1e-12)).WhenTypeIs<double>());
        perClass.F1.Should().BeEquivalentTo(new[] { 4.0 / 7.0, 4.0 / 7.0, 0.0, 0.0 }, o => o.WithStrictOrdering()
            .Using<double>(c => c.Subject.Should().BeApproximately(c.Expectation, 1e-12)).WhenTypeIs<double>());
        perClass.Support.Should().Equal(3, 3, 2, 0);
    }

    [Fact]
    public void When_a_confusion_matrix_is_requested_it_should_have_true_rows_and_predicted_columns()
    {
        // Act
        long[,] confusion = ClassificationMetrics.ConfusionMatrix(LabelsA, PredictionsA, 4);

        // Assert
        confusion.Should().BeEquivalentTo(new long[,]
        {
            { 2, 1, 0, 0 },
            { 1, 2, 0, 0 },
            { 1, 1, 0, 0 },
            { 0, 0, 0, 0 },
        });
    }

    [Fact]
    public void When_predictions_are_off_by_some_classes_it_should_average_the_absolute_distance()
    {
        // Act
        double? mae = ClassificationMetrics.MeanAbsoluteError(LabelsA, PredictionsA, 4);

        // Assert
        mae.Should().Be(0.625);
    }

    [Fact]
    public void When_predictions_are_perfect_it_should_report_accuracy_one_and_zero_error()
    {
        // Arrange
        int[] labels = [0, 1, 2, 2, -1];
        int[] predictions = [0, 1, 2, 2, 1];

        // Act
        double? accuracy = ClassificationMetrics.Accuracy(labels, predictions, 3);
        double? balanced = ClassificationMetrics.BalancedAccuracy(labels, predictions, 3);
        double? macroF1 = ClassificationMetrics.MacroF1(labels, predictions, 3);
        double? mae = ClassificationMetrics.MeanAbsoluteError(labels, predictions, 3);

        // Assert
        accuracy.Should().Be(1.0);
        balanced.Should().Be(1.0);
        macroF1.Should().Be(1.0);
        mae.Should().Be(0.0);
    }

    [Fact]
    public void When_every_label_is_missing_it_should_return_null_rather_than_NaN()
    {
        // Arrange
        int[] labels = [-1, -1, -1];
        int[] predictions = [0, 1, 2];

        // Act
        double? accuracy = ClassificationMetrics.Accuracy(labels, predictions, 3);
        double? balanced = ClassificationMetrics.BalancedAccuracy(labels, predictions, 3);
        double? macroF1 = ClassificationMetrics.MacroF1(labels, predictions, 3);
        double? mae = ClassificationMetrics.MeanAbsoluteError(labels, predictions, 3);
        PerClassMetrics perClass = ClassificationMetrics.PerClass(labels, predictions, 3);

        // Assert
        accuracy.Should().BeNull();
        balanced.Should().BeNull();
        macroF1.Should().BeNull();
        mae.Should().BeNull();
        perClass.Support.Should().Equal(0, 0, 0);
    }

    [Fact]
    public void When_a_label_is_out_of_range_it_should_name_the_label_the_row_and_the_range()
    {
        // Act
        Action act = () => ClassificationMetrics.Accuracy([0, 1, 7], [0, 1, 2], 5);

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("label 7 at row 2 is outside 0..4*");
    }

    [Fact]
    public void When_a_prediction_is_out_of_range_it_should_name_the_prediction_and_the_row()
    {
        // Act
        Action act = () => ClassificationMetrics.Accuracy([0, 1, 2], [0, -1, 2], 3);

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("prediction -1 at row 1 is outside 0..2*");
    }

    [Fact]
    public void When_labels_and_predictions_differ_in_length_it_should_throw()
    {
        // Act
        Action act = () => ClassificationMetrics.Accuracy([0, 1, 2], [0, 1], 3);

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("*2 predictions but 3 labels*");
    }

    [Fact]
    public void When_a_class_is_absent_from_the_labels_it_should_leave_it_out_of_the_macro_averaged_mae()
    {
        // Arrange: fixture A. Per-class MAE over the labelled rows of each class:
        //   class 0: pairs (0,0) (0,1) (0,0) → errors 0, 1, 0 → 1/3
        //   class 1: pairs (1,1) (1,1) (1,0) → errors 0, 0, 1 → 1/3
        //   class 2: pairs (2,1) (2,0)       → errors 1, 2    → 3/2
        //   class 3: no labelled row → left out (Baccianella et al. average over the classes that have rows)
        // AMAE = (1/3 + 1/3 + 3/2) / 3 = (13/6) / 3 = 13/18 ≈ 0.7222, against the plain MAE 5/8; counting class 3
        // as 0 would give 13/24.

        // Act
        double? amae = ClassificationMetrics.MacroAveragedMeanAbsoluteError(LabelsA, PredictionsA, 4);

        // Assert
        amae.Should().BeApproximately(13.0 / 18.0, 1e-12);
    }

    [Fact]
    public void When_errors_are_squared_it_should_give_the_root_mean_squared_error_over_labelled_rows()
    {
        // Arrange: fixture A's errors are 0, 1, 0, 0, 1, 1, 0, 2 → squares sum to 7 over 8 rows → √(7/8).

        // Act
        double? rmse = ClassificationMetrics.RootMeanSquaredError(LabelsA, PredictionsA, 4);

        // Assert
        rmse.Should().BeApproximately(Math.Sqrt(7.0 / 8.0), 1e-12);
    }

    [Fact]
    public void When_no_row_is_labelled_it_should_return_null_for_amae_and_rmse()
    {
        // Act
        double? amae = ClassificationMetrics.MacroAveragedMeanAbsoluteError([-1, -1], [0, 1], 2);
        double? rmse = ClassificationMetrics.RootMeanSquaredError([-1, -1], [0, 1], 2);

        // Assert
        amae.Should().BeNull();
        rmse.Should().BeNull();
    }
}
