//! The file service's examples: uploads, text extraction and validation, and the teacher
//! notification it requests directly.

use hub::contracts::{Category, Priority};
use serde_json::json;

use super::{batch, batch_owner, trace, user, Expected};
use crate::contracts::fixtures::{BATCH, TEACHER};

pub(super) fn expectations() -> Vec<Expected> {
    vec![
        Expected {
            topic: "huleedu.file.batch.file.added.v1",
            event: "batch_files_uploaded",
            category: Category::FileOperations,
            priority: Priority::Standard,
            action_required: false,
            recipient: user(TEACHER),
            batch_id: Some(BATCH),
            class_id: None,
            correlation_id: "5a2b8c4d-1e6f-4a7b-9c3d-2e8f4a6b1c59",
            timestamp: "2025-11-18T13:42:07.318204Z",
            payload: json!({
                "batch_id": BATCH,
                "file_upload_id": "7d3e9f21-4b8a-4c6d-9e2f-1a5b7c3d8e40",
                "filename": "Uppsats_Åsa_Lindqvist.docx",
                "message": "File 'Uppsats_Åsa_Lindqvist.docx' uploaded successfully",
                "upload_status": "completed",
            }),
            ownership: vec![(batch(BATCH), TEACHER)],
            traceparent: trace("00-4bf92f3577b34da6a3ce929d0e0e4737-00f067aa0ba902b8-01"),
        },
        Expected {
            topic: "huleedu.file.batch.file.removed.v1",
            event: "batch_file_removed",
            category: Category::FileOperations,
            priority: Priority::Standard,
            action_required: false,
            recipient: user(TEACHER),
            batch_id: Some(BATCH),
            class_id: None,
            correlation_id: "6b3c9d5e-2f70-4b8c-8d4e-3f9a5b7c2d6a",
            timestamp: "2025-11-18T13:43:42.518204Z",
            payload: json!({
                "filename": "file_7d3e9f21-4b8a-4c6d-9e2f-1a5b7c3d8e40",
                "message": "File 'file_7d3e9f21-4b8a-4c6d-9e2f-1a5b7c3d8e40' removed from batch",
            }),
            ownership: vec![(batch(BATCH), TEACHER)],
            traceparent: trace("00-4bf92f3577b34da6a3ce929d0e0e4738-00f067aa0ba902b9-01"),
        },
        Expected {
            topic: "huleedu.file.essay.content.provisioned.v1",
            event: "essay_text_extracted",
            category: Category::FileOperations,
            priority: Priority::Low,
            action_required: false,
            // entity_id is the batch.
            recipient: batch_owner(BATCH),
            batch_id: Some(BATCH),
            class_id: None,
            correlation_id: "0b6e7f2a-4c1d-4e9b-8a3f-5d2c7e1b9a04",
            timestamp: "2025-11-18T13:42:10.048204Z",
            payload: json!({
                "file_upload_id": "8e4fa032-5c9b-4d7e-8f30-2b6c8d4e9f51",
                "filename": "Uppsats_Åsa_Lindqvist.docx",
                "file_size_bytes": 24817,
                "message": "Text extracted from 'Uppsats_Åsa_Lindqvist.docx'",
            }),
            ownership: vec![],
            traceparent: trace("00-4bf92f3577b34da6a3ce929d0e0e4739-00f067aa0ba902ba-01"),
        },
        Expected {
            topic: "huleedu.file.essay.validation.failed.v1",
            event: "batch_validation_failed",
            category: Category::SystemAlerts,
            priority: Priority::Immediate,
            action_required: true,
            recipient: batch_owner(BATCH),
            batch_id: Some(BATCH),
            class_id: None,
            correlation_id: "0b6e7f2a-4c1d-4e9b-8a3f-5d2c7e1b9a04",
            timestamp: "2025-11-18T13:42:10.238204Z",
            payload: json!({
                "filename": "Inlämning_v3.pdf",
                "validation_error": "CONTENT_TOO_SHORT",
                "error_message": "File 'Inlämning_v3.pdf' content is too short (minimum: 50, actual: 31)",
            }),
            ownership: vec![],
            traceparent: trace("00-4bf92f3577b34da6a3ce929d0e0e473a-00f067aa0ba902bb-01"),
        },
        Expected {
            topic: "huleedu.notification.teacher.requested.v1",
            event: "batch_validation_failed",
            category: Category::SystemAlerts,
            priority: Priority::Immediate,
            action_required: true,
            recipient: user(TEACHER),
            batch_id: Some(BATCH),
            class_id: None,
            correlation_id: "0b6e7f2a-4c1d-4e9b-8a3f-5d2c7e1b9a04",
            timestamp: "2025-11-18T13:42:10.278204Z",
            payload: json!({
                "file_upload_id": "9f50b143-6dac-4e8f-9041-3c7d9e5fa062",
                "validation_error": "CONTENT_TOO_SHORT",
            }),
            ownership: vec![(batch(BATCH), TEACHER)],
            traceparent: None,
        },
    ]
}
