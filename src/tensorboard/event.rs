//! The three `tensorflow.Event` protobuf messages a scalar event file needs, declared with
//! prost's derive macros (field numbers and types as in TensorFlow's `event.proto` and
//! `summary.proto`; fields TensorBoard does not need for scalars are left out, and a decoder
//! skips them if a file holds them).

/// `tensorflow.Event`: one record of an event file.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Event {
    /// Seconds since the Unix epoch when the event was written.
    #[prost(double, tag = "1")]
    pub wall_time: f64,
    /// The global step of the event (the metrics line's `iteration`).
    #[prost(int64, tag = "2")]
    pub step: i64,
    /// What the event holds.
    #[prost(oneof = "What", tags = "3, 5")]
    pub what: Option<What>,
}

/// The `what` oneof of [`Event`].
#[derive(Clone, PartialEq, prost::Oneof)]
pub enum What {
    /// The file's version, `brain.Event:2`, in the first record of every file.
    #[prost(string, tag = "3")]
    FileVersion(String),
    /// Scalar values of one step.
    #[prost(message, tag = "5")]
    Summary(Summary),
}

/// `tensorflow.Summary`: the values of one step.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Summary {
    /// One value per tag.
    #[prost(message, repeated, tag = "1")]
    pub value: Vec<SummaryValue>,
}

/// `tensorflow.Summary.Value` holding a scalar.
#[derive(Clone, PartialEq, prost::Message)]
pub struct SummaryValue {
    /// The tag, e.g. `train/return_post`.
    #[prost(string, tag = "1")]
    pub tag: String,
    /// The value. In TensorFlow's message it is a member of a oneof, so it is encoded whenever
    /// set, 0.0 included (an `optional` field here, for the same wire bytes).
    #[prost(float, optional, tag = "2")]
    pub simple_value: Option<f32>,
}
