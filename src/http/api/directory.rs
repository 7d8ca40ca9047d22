//! The operator's directory and dialling codes.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::Json;

use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, ApiQuery, Id};
use super::mount::{Created, Typed};
use super::state::AppState;
use crate::domain::identity::Actor;
use crate::hotel::directory::{codes, exchange};
use crate::http::contract::{
    CodeAnswer, CodeQuery, DirEntry, DirImport, DirImported, DirQuery, ExportQuery, NewDirEntry,
};

pub async fn search(
    State(s): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<DirQuery>,
) -> ApiResult<Json<Vec<DirEntry>>> {
    let text = q.q.ok_or_else(|| ApiError::BadRequest("give ?q=".into()))?;
    Ok(Json(s.directory.search(&actor, &text).await?))
}

pub async fn get(State(s): State<AppState>, actor: Actor, Id(id): Id) -> ApiResult<Json<DirEntry>> {
    Ok(Json(s.directory.get(&actor, id).await?))
}

pub async fn add(
    State(s): State<AppState>,
    actor: Actor,
    ApiJson(e): ApiJson<NewDirEntry>,
) -> ApiResult<Created<DirEntry>> {
    Ok((StatusCode::CREATED, Json(s.directory.add(&actor, &e).await?)))
}

pub async fn edit(
    State(s): State<AppState>,
    actor: Actor,
    Id(id): Id,
    ApiJson(e): ApiJson<NewDirEntry>,
) -> ApiResult<Json<DirEntry>> {
    Ok(Json(s.directory.edit(&actor, id, &e).await?))
}

pub async fn remove(State(s): State<AppState>, actor: Actor, Id(id): Id) -> ApiResult<StatusCode> {
    s.directory.remove(&actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn import(
    State(s): State<AppState>,
    actor: Actor,
    ApiJson(req): ApiJson<DirImport>,
) -> ApiResult<Json<DirImported>> {
    let format = req.format;
    let entries = exchange::parse(&req.text, format)?;
    let imported = s.directory.import(&actor, &entries).await?;
    Ok(Json(DirImported { imported }))
}

pub async fn export(
    State(s): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> ApiResult<Typed<String>> {
    let format = q.format.unwrap_or(exchange::Format::Toml);
    let text = exchange::export(&s.directory.export(&actor).await?, format)?;
    let kind = if format == exchange::Format::Csv { "text/csv; charset=utf-8" } else { "text/plain; charset=utf-8" };
    Ok(([(header::CONTENT_TYPE, kind)], text))
}

pub async fn code(State(s): State<AppState>, ApiQuery(q): ApiQuery<CodeQuery>) -> ApiResult<Json<CodeAnswer>> {
    let text = q.q.ok_or_else(|| ApiError::BadRequest("give ?q= (a city, or a number starting with +)".into()))?;
    Ok(Json(codes::lookup(&text, s.dialling.as_ref())?))
}
