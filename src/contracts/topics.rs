//! The mapping table: Kafka topic → `data` contract → notification. Adding
//! an event is one struct in `events/` and one row here.

use std::borrow::Cow;

use crate::contracts::basis::Basis;
use crate::contracts::category::Category;
use crate::contracts::classification::Classification;
use crate::contracts::events::{
    batch_author_matches_suggested::BatchAuthorMatchesSuggestedV1,
    batch_content_provisioning_completed::BatchContentProvisioningCompletedV1, batch_essays_ready::BatchEssaysReady,
    batch_file_added::BatchFileAddedV1, batch_file_removed::BatchFileRemovedV1,
    batch_status_updated::BatchStatusUpdatedV1, batch_validation_errors::BatchValidationErrorsV1,
    cj_assessment_completed::CJAssessmentCompletedV1, cj_assessment_failed::CJAssessmentFailedV1,
    class_created::ClassCreatedV1, els_batch_phase_outcome::ELSBatchPhaseOutcomeV1,
    essay_content_provisioned::EssayContentProvisionedV1,
    essay_student_association_updated::EssayStudentAssociationUpdatedV1,
    essay_validation_failed::EssayValidationFailedV1, fixed, spellcheck_result_data::SpellcheckResultDataV1,
    student_associations_confirmed::StudentAssociationsConfirmedV1, student_created::StudentCreatedV1,
    teacher_notification_requested, validation_timeout_processed::ValidationTimeoutProcessedV1,
};
use crate::contracts::priority::Priority;
use crate::contracts::topic_spec::{Rule, TopicSpec};

/// Every topic the hub understands, in the order of EVENTS.md §3.
pub fn topics() -> impl Iterator<Item = &'static TopicSpec> {
    TABLE.iter()
}

/// The row for `topic`, if the hub has one.
pub(crate) fn find(topic: &str) -> Option<&'static TopicSpec> {
    TABLE.iter().find(|spec| spec.topic == topic)
}

const fn classify(
    event: &'static str,
    category: Category,
    priority: Priority,
    action_required: bool,
) -> Classification {
    Classification { event: Cow::Borrowed(event), category, priority, action_required }
}

static TABLE: [TopicSpec; 19] = [
    TopicSpec {
        topic: "huleedu.file.batch.file.added.v1",
        data_type: "BatchFileAddedV1",
        user_found_by: "data.user_id",
        twin: Some("batch_files_uploaded"),
        has_producer: true,
        priority_note: None,
        learns: Some(Basis::Actor),
        rule: Rule::Fixed(
            classify("batch_files_uploaded", Category::FileOperations, Priority::Standard, false),
            fixed::<BatchFileAddedV1>,
        ),
    },
    TopicSpec {
        topic: "huleedu.file.batch.file.removed.v1",
        data_type: "BatchFileRemovedV1",
        user_found_by: "data.user_id",
        twin: Some("batch_file_removed"),
        has_producer: true,
        priority_note: None,
        learns: Some(Basis::Actor),
        rule: Rule::Fixed(
            classify("batch_file_removed", Category::FileOperations, Priority::Standard, false),
            fixed::<BatchFileRemovedV1>,
        ),
    },
    TopicSpec {
        topic: "huleedu.els.batch.essays.ready.v1",
        data_type: "BatchEssaysReady",
        user_found_by: "owner of batch data.batch_id",
        twin: None,
        has_producer: true,
        priority_note: None,
        learns: None,
        rule: Rule::Fixed(
            classify("batch_essays_ready", Category::BatchProgress, Priority::Standard, false),
            fixed::<BatchEssaysReady>,
        ),
    },
    TopicSpec {
        topic: "huleedu.els.batch.validation.errors.v1",
        data_type: "BatchValidationErrorsV1",
        user_found_by: "owner of batch data.batch_id",
        twin: None,
        has_producer: false,
        priority_note: None,
        learns: None,
        rule: Rule::Fixed(
            classify("batch_validation_errors", Category::SystemAlerts, Priority::Immediate, true),
            fixed::<BatchValidationErrorsV1>,
        ),
    },
    TopicSpec {
        topic: "huleedu.batch.content.provisioning.completed.v1",
        data_type: "BatchContentProvisioningCompletedV1",
        user_found_by: "data.user_id; owner of batch data.batch_id when it is \"unknown\"",
        twin: None,
        has_producer: true,
        priority_note: None,
        learns: Some(Basis::Owner),
        rule: Rule::Fixed(
            classify("batch_content_provisioned", Category::BatchProgress, Priority::Standard, false),
            fixed::<BatchContentProvisioningCompletedV1>,
        ),
    },
    TopicSpec {
        topic: "huleedu.cj_assessment.completed.v1",
        data_type: "CJAssessmentCompletedV1",
        user_found_by: "owner of batch data.entity_id (else data.system_metadata.entity_id)",
        twin: Some("batch_assessment_completed"),
        has_producer: true,
        priority_note: None,
        learns: None,
        rule: Rule::Fixed(
            classify("batch_assessment_completed", Category::ProcessingResults, Priority::Standard, false),
            fixed::<CJAssessmentCompletedV1>,
        ),
    },
    TopicSpec {
        topic: "huleedu.cj_assessment.failed.v1",
        data_type: "CJAssessmentFailedV1",
        user_found_by: "owner of batch data.entity_id (else data.system_metadata.entity_id)",
        twin: None,
        has_producer: true,
        priority_note: None,
        learns: None,
        rule: Rule::Fixed(
            classify("batch_assessment_failed", Category::SystemAlerts, Priority::Immediate, true),
            fixed::<CJAssessmentFailedV1>,
        ),
    },
    TopicSpec {
        topic: "huleedu.essay.spellcheck.completed.v1",
        data_type: "SpellcheckResultDataV1",
        user_found_by: "owner of batch data.parent_id (else data.system_metadata.parent_id)",
        twin: None,
        has_producer: false,
        priority_note: None,
        learns: None,
        rule: Rule::Fixed(
            classify("essay_spellcheck_completed", Category::BatchProgress, Priority::Low, false),
            fixed::<SpellcheckResultDataV1>,
        ),
    },
    TopicSpec {
        topic: "huleedu.els.batch.phase.outcome.v1",
        data_type: "ELSBatchPhaseOutcomeV1",
        user_found_by: "owner of batch data.batch_id",
        twin: Some("batch_spellcheck_completed, batch_cj_assessment_completed, batch_nlp_completed"),
        has_producer: true,
        priority_note: None,
        learns: None,
        rule: Rule::Fixed(
            classify("batch_phase_completed", Category::BatchProgress, Priority::Standard, false),
            fixed::<ELSBatchPhaseOutcomeV1>,
        ),
    },
    TopicSpec {
        topic: "huleedu.file.essay.content.provisioned.v1",
        data_type: "EssayContentProvisionedV1",
        user_found_by: "owner of batch data.entity_id",
        twin: None,
        has_producer: true,
        priority_note: None,
        learns: None,
        rule: Rule::Fixed(
            classify("essay_text_extracted", Category::FileOperations, Priority::Low, false),
            fixed::<EssayContentProvisionedV1>,
        ),
    },
    TopicSpec {
        topic: "huleedu.file.essay.validation.failed.v1",
        data_type: "EssayValidationFailedV1",
        user_found_by: "owner of batch data.entity_id",
        twin: Some("batch_validation_failed"),
        has_producer: true,
        priority_note: None,
        learns: None,
        rule: Rule::Fixed(
            classify("batch_validation_failed", Category::SystemAlerts, Priority::Immediate, true),
            fixed::<EssayValidationFailedV1>,
        ),
    },
    TopicSpec {
        topic: "huleedu.class.created.v1",
        data_type: "ClassCreatedV1",
        user_found_by: "data.user_id",
        twin: Some("class_created"),
        has_producer: true,
        priority_note: None,
        learns: Some(Basis::Owner),
        rule: Rule::Fixed(
            classify("class_created", Category::ClassManagement, Priority::Standard, false),
            fixed::<ClassCreatedV1>,
        ),
    },
    TopicSpec {
        topic: "huleedu.class.student.created.v1",
        data_type: "StudentCreatedV1",
        user_found_by: "data.created_by_user_id",
        twin: Some("student_added_to_class"),
        has_producer: true,
        priority_note: None,
        learns: Some(Basis::Actor),
        rule: Rule::Fixed(
            classify("student_added_to_class", Category::ClassManagement, Priority::Low, false),
            fixed::<StudentCreatedV1>,
        ),
    },
    TopicSpec {
        topic: "huleedu.class.essay.association.updated.v1",
        data_type: "EssayStudentAssociationUpdatedV1",
        user_found_by: "data.created_by_user_id",
        twin: None,
        has_producer: false,
        priority_note: None,
        learns: Some(Basis::Actor),
        rule: Rule::Fixed(
            classify("essay_student_association_updated", Category::StudentWorkflow, Priority::Standard, false),
            fixed::<EssayStudentAssociationUpdatedV1>,
        ),
    },
    TopicSpec {
        topic: "huleedu.batch.author.matches.suggested.v1",
        data_type: "BatchAuthorMatchesSuggestedV1",
        user_found_by: "owner of class data.class_id",
        twin: None,
        has_producer: true,
        priority_note: None,
        learns: None,
        rule: Rule::Fixed(
            classify("student_matches_suggested", Category::StudentWorkflow, Priority::High, true),
            fixed::<BatchAuthorMatchesSuggestedV1>,
        ),
    },
    TopicSpec {
        topic: "huleedu.class.student.associations.confirmed.v1",
        data_type: "StudentAssociationsConfirmedV1",
        user_found_by: "owner of class data.class_id",
        twin: Some("student_associations_confirmed"),
        has_producer: true,
        priority_note: None,
        learns: Some(Basis::Actor),
        rule: Rule::Fixed(
            classify("student_associations_confirmed", Category::StudentWorkflow, Priority::High, false),
            fixed::<StudentAssociationsConfirmedV1>,
        ),
    },
    TopicSpec {
        topic: "huleedu.class.validation.timeout.processed.v1",
        data_type: "ValidationTimeoutProcessedV1",
        user_found_by: "data.user_id",
        twin: Some("validation_timeout_processed"),
        has_producer: false,
        priority_note: None,
        learns: Some(Basis::Owner),
        rule: Rule::Fixed(
            classify("validation_timeout_processed", Category::StudentWorkflow, Priority::Immediate, false),
            fixed::<ValidationTimeoutProcessedV1>,
        ),
    },
    TopicSpec {
        topic: "huleedu.notification.teacher.requested.v1",
        data_type: "TeacherNotificationRequestedV1",
        user_found_by: "data.teacher_id",
        twin: None,
        has_producer: true,
        priority_note: None,
        learns: Some(Basis::Owner),
        rule: Rule::FromEvent(teacher_notification_requested::build),
    },
    TopicSpec {
        topic: "huleedu.batch.status.updated.v1",
        data_type: "BatchStatusUpdatedV1",
        user_found_by: "data.user_id",
        twin: None,
        has_producer: false,
        priority_note: Some("high when status is completed_successfully, completed_with_failures or failed"),
        learns: Some(Basis::Owner),
        rule: Rule::Fixed(
            classify("batch_status_updated", Category::BatchProgress, Priority::Standard, false),
            fixed::<BatchStatusUpdatedV1>,
        ),
    },
];
