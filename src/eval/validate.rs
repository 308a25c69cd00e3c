//! Whether a request is one the API accepts, for tests and fuzzing to
//! hold plans to.

use crate::ast::CompareOp;
use crate::plan::{self, Request};
use crate::schema::{FieldType, Schema};

/// Whether `request` is one the API accepts by docs/SEMANTICS.md: every filter on a
/// searchable field of `schema`, with an operator its type allows and a
/// value of its type (tags non-empty), a sortable sort field, and a limit
/// of at most [`plan::MAX_PAGE`].
///
/// # Errors
///
/// What is wrong with the request, in words.
pub fn validate(request: &Request, schema: &Schema) -> Result<(), String> {
    if request.filter.is_empty() {
        return Err("no filters".to_owned());
    }
    if request.limit > plan::MAX_PAGE {
        return Err(format!(
            "limit {} is above {}",
            request.limit,
            plan::MAX_PAGE
        ));
    }
    match schema.fields.iter().find(|f| f.name == request.sort) {
        Some(field) if field.usage.sort => {}
        _ => return Err(format!("`{}` is not a sort field", request.sort)),
    }
    for filter in &request.filter {
        let Some(field) = schema.fields.iter().find(|f| f.name == filter.field) else {
            return Err(format!("unknown field `{}`", filter.field));
        };
        if !field.usage.search {
            return Err(format!("`{}` is not searchable", field.name));
        }
        let op: CompareOp = filter.operator.into();
        if !field.ty.allows(op) {
            return Err(format!("`{op}` is not valid for `{}`", field.name));
        }
        let typed = matches!(
            (field.ty, &filter.value),
            (FieldType::Integer | FieldType::Date, plan::Value::Number(_))
                | (FieldType::String, plan::Value::Text(_))
        ) || matches!((field.ty, &filter.value), (FieldType::Tags, plan::Value::Tags(tags)) if !tags.is_empty());
        if !typed {
            return Err(format!("`{}` has a value of the wrong type", field.name));
        }
    }
    Ok(())
}
